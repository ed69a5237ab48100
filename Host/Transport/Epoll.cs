using System.Net.Sockets;
using System.Runtime.InteropServices;
using Chat.Host.Rooms;
using Chat.Host.Storage;

namespace Chat.Host.Transport;

/// The path's own readiness: one epoll set and one thread waiting on it. Each socket the path reads is registered
/// once, edge-triggered, until it closes or is handed on, and its reader is woken once per arrival. .NET's socket
/// engine makes two receives of every request on a kept-alive connection (one finds nothing); this makes one.
public sealed unsafe partial class Epoll : IDisposable
{
    private const uint In = 0x1, Error = 0x8, HangUp = 0x10, ReadHangUp = 0x2000, EdgeTriggered = 1u << 31;
    private const int Add = 1, Delete = 2, CloseOnExec = 0x80000, Interrupted = 4, Batch = 256;

    /// `struct epoll_event` is packed on x86-64 (12 bytes, data at 4), naturally aligned elsewhere (16, data at 8).
    private static readonly int Stride = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private readonly int _fd;
    private readonly Lock _gate = new();
    private readonly Stack<int> _free = new();
    private SocketInput?[] _inputs = new SocketInput?[256];
    private int _used;
    private long _generation;
    private volatile bool _disposed;

    /// Linux on x86-64 or arm64; elsewhere the path is off (Kestrel's socket transport takes every connection).
    public static bool Supported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public Epoll()
    {
        _fd = epoll_create1(CloseOnExec);
        if (_fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        new Thread(Wait) { IsBackground = true, Name = "held-poll epoll" }.Start();
    }

    /// Registers a socket's reader; the key (its slot and a generation) comes back with each of its events, so an
    /// event that was on its way when the slot was freed and taken again wakes no one.
    public void Register(Socket socket, SocketInput input)
    {
        long key;
        lock (_gate)
        {
            var slot = _free.Count > 0 ? _free.Pop() : _used++;
            if (slot == _inputs.Length) Array.Resize(ref _inputs, slot * 2);
            key = (++_generation << 32) | (uint)slot;
            input.Key = key;
            Volatile.Write(ref _inputs[slot], input);
        }
        Control(Add, socket, key);
    }

    /// Forgets a reader: with its socket still open (handed on to another engine), the socket leaves the set too;
    /// a closed socket has left it already.
    public void Unregister(long key, Socket? open)
    {
        lock (_gate)
        {
            var slot = (int)key;
            if (_inputs[slot]?.Key != key) return;
            _inputs[slot] = null;
            _free.Push(slot);
        }
        if (open is not null) Control(Delete, open, key);
    }

    /// Visits every reader in the set, from the caller's thread (the transport's heartbeat, a stopping listener).
    public void Each(Action<SocketInput> visit)
    {
        var inputs = Volatile.Read(ref _inputs);
        for (var slot = 0; slot < inputs.Length; slot++)
            if (Volatile.Read(ref inputs[slot]) is { } input) visit(input);
    }

    public void Dispose() => _disposed = true; // the thread sees it within its wait's timeout, and closes the set

    private void Control(int op, Socket socket, long key)
    {
        var handle = socket.SafeHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added); // the descriptor stays this socket's for the call
            var change = stackalloc byte[16];
            *(uint*)change = In | ReadHangUp | EdgeTriggered;
            *(long*)(change + Stride - 8) = key;
            if (epoll_ctl(_fd, op, (int)handle.DangerousGetHandle(), change) < 0 && op == Add)
                throw new SocketException(Marshal.GetLastPInvokeError());
        }
        catch (ObjectDisposedException)
        {
            // closed meanwhile: the reader's next receive says so
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private void Wait()
    {
        var events = stackalloc byte[Batch * 16];
        Exchange.OnEventLoop = true;
        while (!_disposed)
        {
            var count = epoll_wait(_fd, events, Batch, 500);
            if (count < 0 && Marshal.GetLastPInvokeError() != Interrupted) break;
            var inputs = Volatile.Read(ref _inputs);
            BatchCommits.Begin(); // the posts of one batch share a commit, after it
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var at = events + i * Stride;
                    var key = *(long*)(at + Stride - 8);
                    var slot = (int)key;
                    if (slot < inputs.Length && Volatile.Read(ref inputs[slot]) is { } input && input.Key == key)
                        input.Ready(ended: (*(uint*)at & (ReadHangUp | HangUp | Error)) != 0);
                }
            }
            finally
            {
                BatchCommits.End();
            }
        }
        close(_fd);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* change);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int max, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}

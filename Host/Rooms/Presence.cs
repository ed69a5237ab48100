using System.Collections.Concurrent;
using System.Net;
using Chat.Core.Values;

namespace Chat.Host.Rooms;

/// Who follows a room now, on this node: a client is here while it holds a poll or an event stream, and for a
/// short grace after (a follower between two polls stays counted, so the count does not flicker with every
/// message). A client is its `client` query parameter or `Chat-Client` header (a page makes one per tab), else
/// its address. A name is the one it last posted with, shown while it is here and its post is recent.
/// Any thread; each held poll enters once and leaves once through the entry it holds, with no lookup.
public sealed class Presence(TimeSpan grace, TimeSpan namesFor)
{
    private readonly ConcurrentDictionary<ClientKey, Entry> _clients = new();
    private readonly ConcurrentDictionary<ClientKey, (AuthorName Name, long At)> _names = new();
    private readonly long _graceMs = (long)grace.TotalMilliseconds;
    private readonly long _namesForMs = (long)namesFor.TotalMilliseconds;
    private int _enters;

    private static long Now => Environment.TickCount64;

    /// One follower's presence: held polls and streams open now, and when the last one ended.
    public sealed class Entry
    {
        internal int Open;
        internal long LastLeft;
        internal bool Removed;

        /// The poll or stream entered with this entry ended (answered, timed out, hung up).
        public void Leave()
        {
            Volatile.Write(ref LastLeft, Now);
            Interlocked.Decrement(ref Open);
        }
    }

    /// A poll or stream of <paramref name="client"/> begins; <see cref="Entry.Leave"/> ends it.
    public Entry Enter(ClientKey client)
    {
        // Clients that left are forgotten when someone asks who is here, and every so often anyway: a room that is
        // followed and never asked (a page makes a new client id per load) must not keep every client it ever had.
        if ((Interlocked.Increment(ref _enters) & 4095) == 0) Snapshot();
        while (true)
        {
            var entry = _clients.GetOrAdd(client, static _ => new Entry());
            Interlocked.Increment(ref entry.Open);
            if (!Volatile.Read(ref entry.Removed)) return entry;
            Interlocked.Decrement(ref entry.Open); // swept away meanwhile: take the new one
        }
    }

    /// A poll answered at once: the client is following (a busy room answers most polls at once).
    public void Seen(ClientKey client) => Enter(client).Leave();

    public void Named(ClientKey client, AuthorName name) => _names[client] = (name, Now);

    /// The clients here now, each once, with the names of those that posted with one recently; forgets the rest.
    public (IReadOnlyList<ClientKey> Here, IReadOnlyDictionary<ClientKey, string> Names) Snapshot()
    {
        var now = Now;
        var here = new List<ClientKey>();
        foreach (var (client, entry) in _clients)
        {
            if (Volatile.Read(ref entry.Open) > 0 || now - Volatile.Read(ref entry.LastLeft) <= _graceMs) { here.Add(client); continue; }
            lock (entry)
            {
                if (Volatile.Read(ref entry.Open) > 0) { here.Add(client); continue; }
                Volatile.Write(ref entry.Removed, true);
                _clients.TryRemove(new KeyValuePair<ClientKey, Entry>(client, entry));
            }
        }
        var names = new Dictionary<ClientKey, string>();
        foreach (var (client, (name, at)) in _names)
        {
            if (now - at > _namesForMs) _names.TryRemove(client, out _);
            else names[client] = name.Value;
        }
        return (here, names);
    }

    public bool IsEmpty => _clients.IsEmpty;

    /// Clients it keeps an entry for now (here, within the grace, or not yet forgotten).
    public int Tracked => _clients.Count;
}

/// A follower: the id it gives itself, or else its address (as the trusted proxies forward it).
public readonly record struct ClientKey(string? Id, IPAddress? Address)
{
    /// Every poll runs this: no LINQ, no allocation but the id the request already carries.
    public static ClientKey Of(HttpContext http)
    {
        var header = http.Request.Headers["Chat-Client"];
        var id = header.Count > 0 ? header[0] : null;
        if (id is null && http.Request.QueryString.HasValue && http.Request.Query["client"] is { Count: > 0 } query) id = query[0];
        return Of(id, http.Connection.RemoteIpAddress);
    }

    /// The id a request gives (its `Chat-Client` header, else its `client` parameter), or else its address.
    public static ClientKey Of(string? id, IPAddress? address) => IsId(id) ? new ClientKey(id, null) : new ClientKey(null, address);

    /// 1-64 of A-Z a-z 0-9 _ - (what a page makes: a random id per tab).
    private static bool IsId(string? id)
    {
        if (id is not { Length: > 0 and <= 64 }) return false;
        foreach (var c in id)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-')) return false;
        return true;
    }

    /// As a member of a Redis set: `c:` and the id, or `a:` and the address.
    public override string ToString() => Id is not null ? $"c:{Id}" : $"a:{Address}";
}

using System.Text;

namespace Chat.Host.Transport;

/// `Date: ...\r\n` as bytes, made once a second for every response (Kestrel caches its own the same way).
public static class DateLine
{
    private sealed record Made(long Second, byte[] Bytes);

    private static Made _now = new(-1, []);

    public static byte[] Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var made = _now;
        if (made.Second == second) return made.Bytes;
        made = new Made(second, Encoding.ASCII.GetBytes($"Date: {now:r}\r\n"));
        _now = made;
        return made.Bytes;
    }
}

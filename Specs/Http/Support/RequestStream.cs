namespace Chat.Specs.Http.Support;

/// One request stream as it goes on the wire: its bytes, the offsets where it is cut into separate writes, and
/// whether and when the client shuts its sending side. <paramref name="Name"/> says how it was made.
public sealed record RequestStream(string Name, byte[] Bytes, int[] Splits, Shut Shut)
{
    public string HowSent =>
        (Splits.Length > 0 ? $"written in pieces at {string.Join(",", Splits)}" : "written at once")
        + Shut switch { Shut.OnceQuiet => ", then a FIN once the server fell quiet", Shut.AtOnce => ", then a FIN at once", _ => "" };
}

/// When the client shuts its sending side (a FIN), if it does.
public enum Shut
{
    Never,

    /// Once the server has answered what it can and falls quiet: a client that hangs up in the middle of a request.
    /// Not at once: Kestrel aborts its output as the FIN comes, so what it was still writing would be lost or not.
    OnceQuiet,

    /// Right after the last byte: only after a held poll, which the FIN ends long before its timeout.
    AtOnce,
}

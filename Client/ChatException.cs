using System.Net;

namespace Chat.Client;

/// <summary>The service answered, and refused: a bad room or message (400), a message too large (413), an index
/// past the end of the room (404), a key reused for another message (422), or a refusal that outlasted every
/// retry (429, 5xx). <see cref="Title"/> and <see cref="Detail"/> come from the answer's problem+json.</summary>
public sealed class ChatException : Exception
{
    /// <summary>Makes one from the answer's status and problem details.</summary>
    public ChatException(HttpStatusCode status, string? title, string? detail)
        : base($"{(int)status} {title ?? status.ToString()}{(detail is null ? "" : $": {detail}")}")
        => (Status, Title, Detail) = (status, title, detail);

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's title, when the answer had one.</summary>
    public string? Title { get; }

    /// <summary>The problem's detail, when the answer had one.</summary>
    public string? Detail { get; }
}

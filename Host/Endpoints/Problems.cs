using System.Globalization;
using Chat.Core;
using Chat.Core.Room;

namespace Chat.Host.Endpoints;

/// The only place an error's status is chosen. Every answer here is `application/problem+json`
/// (type, title, status, detail), never cached, with `Retry-After` on 429/503 and `Allow` on 405.
public static class Problems
{
    /// Every title written here, the `reason` of the refusals counter, which starts at 0 for each; a title made
    /// from a value (a parameter's name, what there are too many of) once for each value the code uses.
    public static readonly IReadOnlyList<string> Titles =
    [
        "Missing message", "Empty message", "Message too large", "Not a form", "Unreadable form", "Bad message index",
        "No such message", "Bad parameter 'from'", "Bad parameter 'limit'", "Bad parameter 'Last-Event-ID'", "Bad parameter 'format'", "Bad room name", "Bad name",
        "Bad Idempotency-Key", "Outcome unknown", "Too many rooms", "Too many held polls", "Too many held polls from this address",
        "Too many posts from this address", "Unavailable", "No such message yet", "Idempotency-Key reused", "Not stored",
        "Method not allowed", "Bad Content-Length", "Token needed", "Not allowed", "Gone",
    ];

    public static Answer For(Rejection rejection) => rejection switch
    {
        Rejection.MissingMessage => Problem(400, "Missing message", "The form has no `message` field."),
        Rejection.EmptyMessage => Problem(400, "Empty message", "The `message` field is empty."),
        Rejection.TooLarge r => Problem(413, "Message too large", $"A message may be at most {r.LimitBytes} bytes of UTF-8."),
        Rejection.NotAForm r => Problem(415, "Not a form", $"Post `message` as application/x-www-form-urlencoded or multipart/form-data, not '{r.ContentType}'."),
        Rejection.BadForm r => Problem(400, "Unreadable form", r.Detail),
        Rejection.BadIndex r => Problem(400, "Bad message index", $"'{Clip(r.Raw)}' is not a decimal message index."),
        Rejection.IndexOutOfRange r => Problem(404, "No such message", $"No room reaches index {Clip(r.Raw)}."),
        Rejection.BadParameter r => Problem(400, $"Bad parameter '{r.Name}'", r.Detail),
        Rejection.BadRoom r => Problem(400, "Bad room name", $"'{Clip(r.Raw)}' is not a room name: use 1-64 of A-Z a-z 0-9 _ -."),
        Rejection.BadName r => Problem(400, "Bad name", r.Detail),
        Rejection.Unauthenticated r => Problem(401, "Token needed", r.Detail, challenge: r.InvalidToken
            ? $"Bearer error=\"invalid_token\", error_description=\"{r.Detail}\"" : "Bearer"),
        Rejection.Forbidden r => Problem(403, "Not allowed", r.Detail),
        Rejection.BadIdempotencyKey => Problem(400, "Bad Idempotency-Key", "An Idempotency-Key is 1-200 visible ASCII characters."),
        Rejection.TooMany r => Problem(r.ServerWide ? 503 : 429, $"Too many {r.What}", $"Too many {r.What}; retry later.", r.RetryAfter),
        Rejection.Unavailable r => Problem(503, "Unavailable", $"{r.What} is unavailable; retry later.", r.RetryAfter),
        _ => throw new System.Diagnostics.UnreachableException(),
    };

    /// Seed: `pos > size` is 404.
    public static Answer Ahead(Reply.Ahead r, Chat.Core.Values.RoomName? room = null)
    {
        var detail = $"Index {r.Asked} is past the next message ({r.Next}); poll {r.Next} instead.";
        return Problem(404, "No such message yet", room is null ? detail : $"Room '{room}': {detail}");
    }

    /// Retention: below the room's first kept index. `first` says where to start instead.
    public static Answer Gone(Reply.Gone r, Chat.Core.Values.RoomName? room = null)
    {
        var detail = $"Index {r.Asked} is below the first message the room keeps ({r.First}); read from {r.First}.";
        return Problem(410, "Gone", room is null ? detail : $"Room '{room}': {detail}", extensions: room is null
            ? new() { ["first"] = r.First.Value }
            : new() { ["first"] = r.First.Value, ["room"] = room.Value });
    }

    public static Answer KeyConflict(Reply.KeyConflict r) =>
        Problem(422, "Idempotency-Key reused", $"This key was first used for a different message, stored at index {r.At}.");

    public static Answer StoreFailed() => Problem(503, "Not stored", "The message could not be stored; retry.", TimeSpan.FromSeconds(1));

    /// The shared log did not answer an append it was sent, or no replica confirmed it in time: the message may be
    /// stored. A retry with the same Idempotency-Key answers its index if it is, and stores it if it is not.
    public static Answer OutcomeUnknown() => Problem(503, "Outcome unknown",
        "The message may or may not have been stored (the shared log did not confirm it); retry with the same Idempotency-Key.", TimeSpan.FromSeconds(1));

    public static Answer Unavailable(string why) => Problem(503, "Unavailable", why, TimeSpan.FromSeconds(1));

    public static Answer BadContentLength() =>
        Problem(400, "Bad Content-Length", "Content-Length must be decimal digits alone (RFC 9110, 8.6); the connection is closed.");

    public static Answer MethodNotAllowed(string allow) => Problem(405, "Method not allowed", $"Use {allow}.", allow: allow);

    private static Answer Problem(int status, string title, string detail, TimeSpan? retryAfter = null, string? allow = null, string? challenge = null,
        Dictionary<string, object?>? extensions = null) =>
        new ProblemAnswer(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = $"https://httpstatuses.io/{status}",
            Title = title,
            Status = status,
            Detail = detail,
            Extensions = extensions ?? [],
        }, retryAfter, allow, challenge);

    private static string Clip(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";

    /// Logged and counted as it is rendered, on either path. With its length, like every answer of the chat's.
    private sealed class ProblemAnswer(Microsoft.AspNetCore.Mvc.ProblemDetails problem, TimeSpan? retryAfter, string? allow, string? challenge) : Answer
    {
        public override Rendered Render(IAsked asked)
        {
            var services = asked.Services;
            Observability.Log.Rejected(services.GetRequiredService<ILoggerFactory>().CreateLogger("Chat.Rejections"),
                asked.Method, asked.Path, asked.Address, problem.Status ?? 0, problem.Title ?? "");
            services.GetRequiredService<Observability.ChatMetrics>().Rejected(problem.Title ?? "");
            var headers = new List<(string, string)>(4) { ("Content-Type", "application/problem+json"), ("Cache-Control", "no-store") };
            if (retryAfter is { } wait) headers.Add(("Retry-After", Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)));
            if (allow is not null) headers.Add(("Allow", allow));
            if (challenge is not null) headers.Add(("WWW-Authenticate", challenge));
            // As ASP.NET Core's problem writer has it: the trace id last, the API's JSON settings.
            var body = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Type = problem.Type,
                Title = problem.Title,
                Status = problem.Status,
                Detail = problem.Detail,
                Extensions = new Dictionary<string, object?>(problem.Extensions) { ["traceId"] = asked.TraceId },
            };
            var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            return new Rendered(problem.Status ?? 500, headers, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, options));
        }
    }
}

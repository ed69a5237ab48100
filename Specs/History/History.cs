using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chat.Specs.History;

/// What a client did: one HTTP request (or one event-stream connection), or one fault the nemesis made.
/// Remove: a moderator's `DELETE` of one message (appended last, so that existing histories read the same).
public enum OpKind { Post, Get, Batch, Events, Status, Fault, Remove }

/// How it ended. Ok: the service answered what it was asked. Failed: a definite refusal, after which nothing of the
/// request is stored (a 4xx, a 503 that says nothing was stored, a connection refused). Unknown: no answer (a
/// timeout, a dropped connection, a 503 that cannot tell): a post may or may not be stored.
public enum Outcome { Ok, Failed, Unknown }

/// One entry as a read saw it. <see cref="Meta"/>: the read shows author and time (the batch and the JSON event
/// stream do; the seed's `/get/N` shows the text alone). Besides a message, an entry is a removal (<see cref="Removes"/>:
/// the index it removes; its text is empty) or a removed message's placeholder (<see cref="RemovedBy"/>: the removal's
/// index; text and author erased, time kept).
public sealed record Entry(long Index, string Text, string? Author = null, string? Time = null, bool Meta = true, long? RemovedBy = null, long? Removes = null)
{
    /// A message as posted: neither a removal nor a placeholder.
    [JsonIgnore] public bool IsMessage => RemovedBy is null && Removes is null;
}

/// One operation of a history. Times are microseconds of a monotonic clock from the run's start; a client's
/// operations never overlap (each client does one thing at a time). Fields used by its kind only:
/// a post's <see cref="Text"/>, <see cref="Author"/>, <see cref="Key"/> and acknowledged <see cref="Index"/>;
/// a read's <see cref="From"/> and <see cref="Entries"/> (an event stream that dropped still saw what it saw);
/// a batch's or status's <see cref="Next"/>; a fault's <see cref="Detail"/>; a removal's <see cref="Removes"/> (the
/// message N it asks to remove) and acknowledged <see cref="Index"/> (its own entry M; not found is a failed 404,
/// gone a failed 410). <see cref="First"/>: the room's first kept index as any answer told it (a status, a 410, the
/// seed route's empty 200 with Chat-First below it).
public sealed record Op
{
    public long Id { get; init; }
    public string Client { get; init; } = "";
    public int Node { get; init; }
    public OpKind Kind { get; init; }
    public string Room { get; init; } = "";
    public long Start { get; init; }
    public long End { get; init; }
    public Outcome Outcome { get; init; }
    public int? Status { get; init; }
    public string? Text { get; init; }
    public string? Author { get; init; }
    public string? Key { get; init; }
    public long? Index { get; init; }
    public long? From { get; init; }
    public long? Next { get; init; }
    public IReadOnlyList<Entry>? Entries { get; init; }
    public string? Detail { get; init; }
    public long? Removes { get; init; }
    public long? First { get; init; }

    public bool IsRead => Kind is OpKind.Get or OpKind.Batch or OpKind.Events;

    /// A read's entries, the first and last few of a long one.
    private static string Shown(IReadOnlyList<Entry> entries) =>
        entries.Count <= 6 ? string.Join(", ", entries.Select(Show))
        : $"{string.Join(", ", entries.Take(3).Select(Show))}, … ({entries.Count} in all) …, {string.Join(", ", entries.TakeLast(2).Select(Show))}";

    private static string Show(Entry e) =>
        e.Removes is { } n ? $"{e.Index}:(removes {n})" : e.RemovedBy is { } m ? $"{e.Index}:(removed by {m}{(e.Text.Length > 0 ? $", '{e.Text}'" : "")})" : $"{e.Index}:'{e.Text}'";

    /// One line for a report: what it was, where, when, and how it ended.
    public override string ToString()
    {
        var what = Kind switch
        {
            OpKind.Post => $"post '{Text}'{(Key is null ? "" : $" key {Key}")}{(Author is null ? "" : $" by {Author}")}{(Index is { } i ? $" -> {i}" : "")}",
            OpKind.Status => $"status -> {(First is { } f ? $"first {f}, " : "")}next {Next?.ToString() ?? "?"}",
            OpKind.Fault => $"fault {Detail}",
            OpKind.Remove => $"remove {Removes}{(Index is { } m ? $" -> {m}" : "")}{(First is { } g ? $" (gone below {g})" : "")}",
            _ => $"{Kind.ToString().ToLowerInvariant()} from {From} -> [{Shown(Entries ?? [])}]{(First is { } g ? $" (gone below {g})" : "")}",
        };
        return $"#{Id} {Client}@n{Node} {Room} {what} {Outcome.ToString().ToLowerInvariant()}{(Status is { } s ? $" {s}" : "")}" +
               $"{(Detail is not null && Kind != OpKind.Fault ? $" ({Detail})" : "")} [{Start / 1000.0:F1}..{End / 1000.0:F1} ms]";
    }
}

/// A rule of the model that a history breaks, with the operations that show it.
public sealed record Violation(string Rule, string Detail, IReadOnlyList<long> Ops)
{
    public string Describe(IReadOnlyDictionary<long, Op> byId) =>
        $"{Rule}: {Detail}\n" + string.Join("\n", Ops.Distinct().Select(id => byId.TryGetValue(id, out var op) ? $"    {op}" : $"    #{id}"));
}

/// Histories as JSON lines, one operation a line, so a failed run's history can be judged again on its own.
public static class HistoryFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string ToLine(Op op) => JsonSerializer.Serialize(op, Options);

    public static Op FromLine(string line) => JsonSerializer.Deserialize<Op>(line, Options) ?? throw new InvalidDataException($"not an operation: {line}");

    public static void Write(string path, IEnumerable<Op> history) => File.WriteAllLines(path, history.Select(ToLine));

    public static List<Op> Read(string path) =>
        [.. File.ReadLines(path).Where(line => !string.IsNullOrWhiteSpace(line)).Select(FromLine)];
}

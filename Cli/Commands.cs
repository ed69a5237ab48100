using System.CommandLine;
using System.Globalization;
using Chat.Client;

namespace Chat.Cli;

/// The commands, each a thin call into <see cref="ChatClient"/>. A refusal or a service that stays away
/// is one line on stderr and exit code 1; Ctrl+C ends `follow` with 0.
internal static class Commands
{
    public static readonly Option<Uri[]> Url = new("--url")
    {
        Description = "The service; give it again for another node of the same rooms (failover)",
        Recursive = true,
        DefaultValueFactory = _ => [new Uri("http://127.0.0.1:5000")],
        CustomParser = Addresses,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "A bearer token for protected rooms and moderation (default: the environment variable CHAT_TOKEN)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CHAT_TOKEN"),
    };

    private static readonly Argument<string> Room = new("ROOM") { Description = "The room: 1-64 of A-Z a-z 0-9 _ -" };

    public static Command Post()
    {
        var text = new Argument<string>("TEXT") { Description = "The message" };
        var name = new Option<string?>("--name") { Description = "The author's name shown with the message" };
        var command = new Command("post", "Posts a message once (retried until stored) and prints its index") { Room, text, name };
        command.SetAction((parse, ct) => RunAsync(parse, async chat =>
            Console.WriteLine(await chat.PostAsync(parse.GetValue(Room)!, parse.GetValue(text)!, parse.GetValue(name), ct))));
        return command;
    }

    public static Command Follow()
    {
        var rooms = new Argument<string[]>("ROOM") { Description = "The room, or several (one request follows them all)", Arity = ArgumentArity.OneOrMore };
        var from = new Option<long?>("--from") { Description = "The first index to print, with one room (default: the room's end, only new messages)" };
        var command = new Command("follow", "Prints each message of the rooms as it arrives, like tail -f, until Ctrl+C") { rooms, from };
        command.Validators.Add(result =>
        {
            if (result.GetValue(rooms) is { Length: > 1 } && result.GetValue(from) is not null) result.AddError("--from takes one room.");
        });
        command.SetAction((parse, ct) => RunAsync(parse, async chat =>
        {
            var names = parse.GetValue(rooms)!;
            if (names.Length == 1)
            {
                var status = await chat.StatusAsync(names[0], ct);
                var start = parse.GetValue(from) ?? status.Next;
                if (start < status.First) // the client goes on from first; say why the history starts later than asked
                    Console.Error.WriteLine($"{names[0]}: messages before {status.First} are no longer kept; from {status.First}");
                await foreach (var message in chat.FollowAsync(names[0], start, ct)) Console.WriteLine(Line(message));
                return;
            }
            var ends = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var room in names) ends[room] = (await chat.StatusAsync(room, ct)).Next;
            await foreach (var got in chat.FollowAsync(ends, ct)) Console.WriteLine($"#{got.Room} {Line(got.Message)}");
        }));
        return command;
    }

    public static Command Remove()
    {
        var index = new Argument<long>("N") { Description = "The index of the message to remove" };
        var command = new Command("remove", "Removes message N (a moderator's token) and prints the removal's index") { Room, index };
        command.Validators.Add(result =>
        {
            if (result.GetValue(index) < 0) result.AddError("N is an index: 0 or more.");
        });
        command.SetAction((parse, ct) => RunAsync(parse, async chat =>
            Console.WriteLine(await chat.RemoveAsync(parse.GetValue(Room)!, parse.GetValue(index), ct))));
        return command;
    }

    public static Command Erase()
    {
        var author = new Argument<string>("AUTHOR") { Description = "The name the messages were posted with" };
        var rooms = new Option<string>("--rooms") { Description = "The rooms: a pattern of room-name characters and * (* for every room)", Required = true };
        var command = new Command("erase", "Removes every message of AUTHOR in the rooms (a moderator's token) and prints how many, and where")
            { author, rooms };
        command.SetAction((parse, ct) => RunAsync(parse, async chat =>
        {
            var erased = await chat.EraseAsync(parse.GetValue(author)!, parse.GetValue(rooms)!, ct);
            Console.WriteLine($"removed {erased.Removed}");
            foreach (var room in erased.Rooms)
                Console.WriteLine($"#{room.Room} {string.Join(' ', room.Indexes.Select(i => i.ToString(CultureInfo.InvariantCulture)))}");
        }));
        return command;
    }

    public static Command Status()
    {
        var command = new Command("status", "Prints the room's first kept and next index, its held polls and who is here") { Room };
        command.SetAction((parse, ct) => RunAsync(parse, async chat =>
        {
            var status = await chat.StatusAsync(parse.GetValue(Room)!, ct);
            Console.WriteLine($"room {status.Room}");
            Console.WriteLine($"first {status.First}");
            Console.WriteLine($"next {status.Next}");
            Console.WriteLine($"held {status.Held}");
            Console.WriteLine($"here {status.Here.Count}{(status.Here.Names.Count > 0 ? ": " + string.Join(", ", status.Here.Names) : "")}");
        }));
        return command;
    }

    /// System.CommandLine has no converter for Uri: each --url an absolute http or https address, or a parse error.
    private static Uri[] Addresses(System.CommandLine.Parsing.ArgumentResult result)
    {
        var addresses = new List<Uri>();
        foreach (var token in result.Tokens)
        {
            if (Uri.TryCreate(token.Value, UriKind.Absolute, out var address) && address.Scheme is "http" or "https") addresses.Add(address);
            else result.AddError($"--url {token.Value}: not an http or https address.");
        }
        return [.. addresses];
    }

    /// `12 14:03:22 Ann: hello`: the index, the local time it was stored, the author; parts the message lacks are left out.
    /// A removal says what it removed, `13 14:05:00 (message 12 removed by Mod)`; a removed message, read later, says
    /// so in place of its erased text and author, `12 14:03:22 (removed)`.
    public static string Line(ChatMessage m) =>
        string.Join(' ', new[] { m.Index.ToString(CultureInfo.InvariantCulture), m.Time?.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) }
            .Concat(m switch
            {
                { Removes: { } removed } => [$"(message {removed.ToString(CultureInfo.InvariantCulture)} removed{(m.Author is null ? "" : " by " + m.Author)})"],
                { RemovedBy: not null } => ["(removed)"],
                _ => new[] { m.Author is null ? null : m.Author + ":", m.Text },
            }).OfType<string>());

    private static async Task<int> RunAsync(ParseResult parse, Func<ChatClient, Task> run)
    {
        var options = new ChatClientOptions
        {
            Token = parse.GetValue(Token),
            OnRetry = retry => Console.Error.WriteLine(
                $"retrying in {retry.Delay.TotalSeconds:0.0} s: {retry.Node} {(object?)retry.Status ?? retry.Error?.Message}"),
        };
        using var chat = new ChatClient(options, parse.GetValue(Url)!);
        try
        {
            await run(chat);
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0; // Ctrl+C
        }
        catch (Exception e) when (e is ChatException or HttpRequestException or TimeoutException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}

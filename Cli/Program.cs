using System.CommandLine;
using Chat.Cli;

// The command line: `chat post ROOM TEXT [--name NAME]`, `chat follow ROOM... [--from N]`, `chat status ROOM`,
// and for moderators `chat remove ROOM N`, `chat erase AUTHOR --rooms PATTERN`.
var root = new RootCommand("Posts to, follows and asks about the rooms of a chat service, and removes messages from them.");
root.Options.Add(Commands.Url);
root.Options.Add(Commands.Token);
root.Subcommands.Add(Commands.Post());
root.Subcommands.Add(Commands.Follow());
root.Subcommands.Add(Commands.Status());
root.Subcommands.Add(Commands.Remove());
root.Subcommands.Add(Commands.Erase());
return await root.Parse(args).InvokeAsync();

using Chat.Core.Values;
using Chat.Host.Storage;
using LanguageExt;

namespace Chat.Specs.Storage;

/// The store specs' messages: message i of a room reads "message i".
internal static class Stored
{
    public static RoomName Room(string name) => RoomName.Parse(name).RightToSeq().Head;

    public static string Text(int i) => $"message {i}";

    public static Append Append(RoomName room, int i) =>
        new(room, new MessageIndex(i), Message.Of((MessageText)MessageText.Parse(Text(i), 1000).RightToSeq().Head), Option<IdempotencyKey>.None);
}

namespace Chat.Host.Observability;

/// Every event the service logs, one named and numbered method each. No message text above Debug.
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Room {Room} failed on {Command}; its exchange was answered 503")]
    public static partial void RoomStepFailed(ILogger log, Exception error, string room, string command);

    [LoggerMessage(2, LogLevel.Error, "Store failed to commit {Count} posts; they were answered 503")]
    public static partial void StoreWriteFailed(ILogger log, Exception error, int count);

    [LoggerMessage(3, LogLevel.Error, "Room {Room} could not be restored from the store")]
    public static partial void RoomRestoreFailed(ILogger log, Exception error, string room);

    [LoggerMessage(4, LogLevel.Information, "Posted {Room}/{Index} ({Bytes} bytes) from {Client}")]
    public static partial void Posted(ILogger log, string room, long index, int bytes, System.Net.IPAddress? client);

    [LoggerMessage(5, LogLevel.Information, "Rejected {Method} {Path} from {Client}: {Status} {Reason}")]
    public static partial void Rejected(ILogger log, string method, string path, System.Net.IPAddress? client, int status, string reason);

    [LoggerMessage(6, LogLevel.Information, "Shutting down: answering {Held} held polls")]
    public static partial void ShuttingDown(ILogger log, int held);

    [LoggerMessage(7, LogLevel.Warning, "Room {Room}: the shared log did not answer; posts get 503 until it does")]
    public static partial void SharedLogFailed(ILogger log, Exception error, string room);

    [LoggerMessage(8, LogLevel.Information, "The shared log is back: catching up {Rooms} rooms")]
    public static partial void SharedLogBack(ILogger log, int rooms);

    [LoggerMessage(9, LogLevel.Information, "{Rooms} rooms loaded, the most allowed: asking the idle ones to unload")]
    public static partial void UnloadingIdleRooms(ILogger log, int rooms);

    [LoggerMessage(10, LogLevel.Warning, "The SQLite WAL could not be checkpointed; it grows until a checkpoint succeeds")]
    public static partial void CheckpointFailed(ILogger log, Exception error);

    [LoggerMessage(12, LogLevel.Warning, "The SQLite WAL could not be emptied after an erasure; the erased text stays in it until the checkpoint thread empties it")]
    public static partial void WalNotEmptied(ILogger log);

    [LoggerMessage(13, LogLevel.Warning, "Room {Room}: older messages could not be read from the store; the read was answered 503")]
    public static partial void StoreReadFailed(ILogger log, Exception error, string room);

    [LoggerMessage(11, LogLevel.Warning, "A retention sweep failed; the next one tries again")]
    public static partial void RetentionFailed(ILogger log, Exception error);

    [LoggerMessage(14, LogLevel.Debug, "Bearer token refused: {Why}")]
    public static partial void TokenRefused(ILogger log, string why);
}

namespace Chat.Core.Room;

/// How much a room keeps in memory. Older messages stay in the store, so memory is bounded
/// however long the history grows; held waiters cost no history at all.
/// <param name="WindowCount">Most recent messages kept in memory, by count.</param>
/// <param name="WindowBytes">…and by their UTF-8 size.</param>
/// <param name="KeyCount">Most recent idempotency keys remembered.</param>
public sealed record RoomLimits(int WindowCount, long WindowBytes, int KeyCount)
{
    public static readonly RoomLimits Default = new(WindowCount: 1024, WindowBytes: 4 * 1024 * 1024, KeyCount: 10_000);
}

namespace Chat.Collections;

/// A sliding window, oldest first, immutable: <see cref="Add"/> at the end and <see cref="RemoveFirst"/> make new
/// versions that share the old one's items, kept in chunks of 64. A version writes only into the free slot right after
/// its own end, claimed once and atomically, so no version ever sees another's item there. LanguageExt's Lst builds
/// tree nodes for every Add, and its Seq, slid by Add and Tail, keeps every dropped item in a growing array.
public sealed class Window<T> : System.Collections.Generic.IReadOnlyList<T>, IEquatable<Window<T>>
{
    private const int ChunkSize = 64;

    private sealed class Chunk
    {
        public readonly T[] Items = new T[ChunkSize];
        public int Claimed; // slots written, from 0
    }

    private readonly Chunk[] _chunks;
    private readonly int _first; // the first item's slot in _chunks[0]

    private Window(Chunk[] chunks, int first, int count) => (_chunks, _first, Count) = (chunks, first, count);

    public static Window<T> Empty { get; } = new([], 0, 0);

    public static Window<T> From(System.Collections.Generic.IEnumerable<T> items)
    {
        var window = Empty;
        foreach (var item in items) window = window.Add(item);
        return window;
    }

    public int Count { get; }

    public T this[int index] => (uint)index < (uint)Count
        ? _chunks[(_first + index) / ChunkSize].Items[(_first + index) % ChunkSize]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"the window holds {Count}");

    public Window<T> Add(T item)
    {
        var end = _first + Count;
        var (at, slot) = (end / ChunkSize, end % ChunkSize);
        if (at == _chunks.Length) return new([.. _chunks, Continued(null, 0, item)], _first, Count + 1);
        var last = _chunks[at];
        if (Interlocked.CompareExchange(ref last.Claimed, slot + 1, slot) == slot)
        {
            last.Items[slot] = item;
            return new(_chunks, _first, Count + 1);
        }
        var chunks = (Chunk[])_chunks.Clone();
        chunks[at] = Continued(last, slot, item);
        return new(chunks, _first, Count + 1);
    }

    /// A version with <paramref name="item"/> at <paramref name="index"/>: the chunk that holds it is copied, the rest shared.
    public Window<T> SetItem(int index, T item)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the window holds {Count}");
        var (pos, end) = (_first + index, _first + Count);
        var at = pos / ChunkSize;
        var used = at == (end - 1) / ChunkSize ? (end - 1) % ChunkSize + 1 : ChunkSize; // slots of the chunk this version sees
        var chunk = new Chunk { Claimed = used };
        Array.Copy(_chunks[at].Items, chunk.Items, used);
        chunk.Items[pos % ChunkSize] = item;
        var chunks = (Chunk[])_chunks.Clone();
        chunks[at] = chunk;
        return new(chunks, _first, Count);
    }

    public Window<T> RemoveFirst() => Count switch
    {
        0 => throw new InvalidOperationException("the window is empty"),
        1 => Empty,
        _ when _first + 1 == ChunkSize => new(_chunks[1..], 0, Count - 1),
        _ => new(_chunks, _first + 1, Count - 1),
    };

    /// A chunk of its own: the first <paramref name="slot"/> items of <paramref name="from"/> (none for a new one), then the item.
    private static Chunk Continued(Chunk? from, int slot, T item)
    {
        var chunk = new Chunk { Claimed = slot + 1 };
        if (from is not null) Array.Copy(from.Items, chunk.Items, slot);
        chunk.Items[slot] = item;
        return chunk;
    }

    public System.Collections.Generic.IEnumerator<T> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// By value, as the Lst it replaces: two rooms stepped alike are equal states.
    public bool Equals(Window<T>? other) => other is not null && Count == other.Count && this.SequenceEqual(other);

    public override bool Equals(object? obj) => Equals(obj as Window<T>);

    public override int GetHashCode() => this.Aggregate(Count, (hash, item) => HashCode.Combine(hash, item));
}

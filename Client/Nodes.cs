namespace Chat.Client;

/// The nodes a client may ask, and the one it asks now. A request that fails on a node moves every later request
/// to the next node, round the list; two requests failing on the same node at once move it one step, not two.
internal sealed class Nodes
{
    private readonly Uri[] _all;
    private int _current;

    public Nodes(IEnumerable<Uri> nodes)
    {
        _all = [.. nodes.Select(Normalize)];
        if (_all.Length == 0) throw new ArgumentException("At least one node address is needed.", nameof(nodes));
    }

    public int Current => Volatile.Read(ref _current);

    public Uri this[int node] => _all[node];

    public void Failed(int node) => Interlocked.CompareExchange(ref _current, (node + 1) % _all.Length, node);

    // Paths are resolved relative to the node, so http://host/chat/ keeps its /chat/ (a service behind a path prefix).
    private static Uri Normalize(Uri node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.IsAbsoluteUri || node.Scheme is not ("http" or "https"))
            throw new ArgumentException($"A node is an absolute http or https address, not '{node}'.", nameof(node));
        return node.AbsoluteUri.EndsWith('/') ? node : new Uri(node.AbsoluteUri + "/");
    }
}

using System.Diagnostics.Metrics;

namespace Chat.Host.Observability;

/// The service's one Meter. Instruments are named as Prometheus will show them.
public sealed class ChatMetrics
{
    public const string MeterName = "Chat";

    private readonly UpDownCounter<long> _held;
    private readonly Counter<long> _posts;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _timeouts;
    private readonly Counter<long> _disconnects;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _commit;
    private readonly Histogram<long> _batch;
    private readonly Histogram<double> _postToDelivery;
    private readonly Meter _meter;

    public ChatMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        _held = meter.CreateUpDownCounter<long>("chat.waiters.held", description: "Polls held open now");
        _posts = meter.CreateCounter<long>("chat.posts", description: "Messages stored and published");
        _deliveries = meter.CreateCounter<long>("chat.deliveries", description: "Held polls completed with a message");
        _timeouts = meter.CreateCounter<long>("chat.timeouts", description: "Held polls answered 204 at their timeout");
        _disconnects = meter.CreateCounter<long>("chat.disconnects", description: "Held polls whose client went away");
        _rejected = meter.CreateCounter<long>("chat.rejected", description: "Requests refused, by reason");
        _commit = meter.CreateHistogram<double>("chat.store.commit.duration", unit: "s", description: "One group commit");
        _batch = meter.CreateHistogram<long>("chat.store.commit.size", description: "Posts per group commit");
        _postToDelivery = meter.CreateHistogram<double>("chat.post.delivery.duration", unit: "s",
            description: "From a post reaching its room to its waiters being completed (includes the store commit)");
    }

    /// Held polls per room, for the busiest rooms only (a label per room would let clients grow the series
    /// without bound); the rest are summed as room="(other)".
    public void ObserveRooms(Func<IEnumerable<(string Room, int Held)>> rooms, int top = 20) =>
        _meter.CreateObservableGauge("chat.room.waiters.held", () =>
        {
            var all = rooms().OrderByDescending(r => r.Held).ToList();
            var shown = all.Take(top).Select(r => new Measurement<int>(r.Held, new KeyValuePair<string, object?>("room", r.Room)));
            return all.Count <= top ? shown : shown.Append(new Measurement<int>(all.Skip(top).Sum(r => r.Held), new KeyValuePair<string, object?>("room", "(other)")));
        }, description: "Polls held now, by room");

    public void PostToDelivery(TimeSpan took) => _postToDelivery.Record(took.TotalSeconds);

    public void Held(int delta) => _held.Add(delta);
    public void Published() => _posts.Add(1);
    public void Delivered(int count) { _deliveries.Add(count); _held.Add(-count); }
    public void Expired() => _timeouts.Add(1);
    public void Disconnected() => _disconnects.Add(1);
    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Committed(int posts, TimeSpan took) { _commit.Record(took.TotalSeconds); _batch.Record(posts); }
}

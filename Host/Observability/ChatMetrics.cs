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

    /// Buckets in seconds, 100 us to 5 s: OpenTelemetry's default boundaries (0, 5, 10, ... 10,000) are meant for
    /// milliseconds, and put every commit and delivery of a healthy server in the first bucket.
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    };

    /// Every counter and gauge starts at 0, the refusals at 0 for each of <paramref name="reasons"/>: a series that
    /// appears only at its first increment hides that increment from rate() and increase(). The histograms cannot:
    /// they have nothing to show before their first observation, and a made-up one would be counted.
    public ChatMetrics(IMeterFactory meters, IEnumerable<string> reasons)
    {
        var meter = _meter = meters.Create(MeterName);
        _held = meter.CreateUpDownCounter<long>("chat.waiters.held", description: "Polls held open now");
        _posts = meter.CreateCounter<long>("chat.posts", description: "Messages stored and published");
        _deliveries = meter.CreateCounter<long>("chat.deliveries", description: "Held polls completed with a message");
        _timeouts = meter.CreateCounter<long>("chat.timeouts", description: "Held polls answered 204 at their timeout");
        _disconnects = meter.CreateCounter<long>("chat.disconnects", description: "Held polls whose client went away");
        _rejected = meter.CreateCounter<long>("chat.rejected", description: "Requests refused, by reason");
        _commit = meter.CreateHistogram("chat.store.commit.duration", unit: "s", description: "One group commit", advice: Seconds);
        _batch = meter.CreateHistogram("chat.store.commit.size", description: "Posts per group commit",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] });
        _postToDelivery = meter.CreateHistogram("chat.post.delivery.duration", unit: "s",
            description: "From a post reaching its room to its waiters being completed (includes the store commit)", advice: Seconds);
        _held.Add(0);
        _posts.Add(0);
        _deliveries.Add(0);
        _timeouts.Add(0);
        _disconnects.Add(0);
        foreach (var reason in reasons) _rejected.Add(0, new KeyValuePair<string, object?>("reason", reason));
    }

    /// Held polls per room, for the busiest rooms only (a label per room would let clients grow the series
    /// without bound); the rest are summed as room="(other)", which is there even when it is 0.
    public void ObserveRooms(Func<IEnumerable<(string Room, int Held)>> rooms, int top = 20) =>
        _meter.CreateObservableGauge("chat.room.waiters.held", () =>
        {
            var all = rooms().OrderByDescending(r => r.Held).ToList();
            var shown = all.Take(top).Select(r => new Measurement<int>(r.Held, new KeyValuePair<string, object?>("room", r.Room)));
            // "(other)" always, 0 when no more than `top` rooms are loaded: the series is there from the first scrape.
            return shown.Append(new Measurement<int>(all.Skip(top).Sum(r => r.Held), new KeyValuePair<string, object?>("room", "(other)")));
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

using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dilemma.Hosting.Telemetry;

namespace Dilemma.Gateway.Telemetry;

/// <summary>
/// The gateway's instruments in the <c>Dilemma</c> meter: sockets, relay latency, exports and rate-limit
/// rejections. Tags on the per-message paths are prebuilt, so recording allocates nothing.
/// </summary>
public sealed class EdgeMetrics
{
    public const string Signaling = "signaling";
    public const string Voice = "voice";
    public const string Monitor = "monitor";

    /// <summary>Traces of socket messages: each message is its own trace, not a span of the hour-long upgrade request.</summary>
    public static readonly ActivitySource Source = new(TelemetryHosting.DilemmaMeter);

    private static readonly KeyValuePair<string, object?> SignalingTag = new("kind", Signaling);
    private static readonly KeyValuePair<string, object?> VoiceTag = new("kind", Voice);
    private static readonly KeyValuePair<string, object?> MonitorTag = new("kind", Monitor);

    // Relays take about a millisecond on one machine; the default buckets start at 5 ms.
    private static readonly double[] RelayBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    private static readonly double[] ExportBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly UpDownCounter<long> _openSockets;
    private readonly Counter<long> _closedSockets;
    private readonly Histogram<double> _relay;
    private readonly Histogram<double> _exportDuration;
    private readonly Counter<long> _exportRows;
    private readonly Counter<long> _rejections;

    public EdgeMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(TelemetryHosting.DilemmaMeter);
        _openSockets = meter.CreateUpDownCounter<long>("dilemma.sockets.open", "{socket}", "WebSockets open on this gateway, by kind");
        _closedSockets = meter.CreateCounter<long>("dilemma.sockets.closed", "{socket}", "WebSockets closed, by kind and close code (1013: the receiver's send queue was full)");
        _relay = meter.CreateHistogram("dilemma.relay.duration", "s", "From a signaling message's arrival at a gateway to its hand-off to the addressee's socket", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RelayBuckets });
        _exportDuration = meter.CreateHistogram("dilemma.export.duration", "s", "Research exports, from the request to the last row written", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ExportBuckets });
        _exportRows = meter.CreateCounter<long>("dilemma.export.rows", "{row}", "Rows written by research exports");
        _rejections = meter.CreateCounter<long>("dilemma.rate_limit.rejections", "{request}", "Requests and socket messages refused by a rate limit, by limit");
    }

    public void SocketOpened(string kind) => _openSockets.Add(1, Tag(kind));

    public void SocketClosed(string kind, int closeCode, int rateLimitedMessages)
    {
        _openSockets.Add(-1, Tag(kind));
        _closedSockets.Add(1, Tag(kind), new KeyValuePair<string, object?>("code", CloseCodeText(closeCode)));
        if (rateLimitedMessages > 0)
        {
            _rejections.Add(rateLimitedMessages, new KeyValuePair<string, object?>("limit", "socket_messages"));
        }
    }

    /// <summary>A relayed message handed to its addressee's socket, <paramref name="arrivedAtUtcTicks"/> after it arrived (wall clock: the sender may be on another gateway).</summary>
    public void Relayed(long arrivedAtUtcTicks)
    {
        if (_relay.Enabled)
        {
            _relay.Record(Math.Max(0, DateTime.UtcNow.Ticks - arrivedAtUtcTicks) / (double)TimeSpan.TicksPerSecond);
        }
    }

    public void ExportFinished(string format, TimeSpan duration, long rows)
    {
        var tag = new KeyValuePair<string, object?>("format", format);
        _exportDuration.Record(duration.TotalSeconds, tag);
        _exportRows.Add(rows, tag);
    }

    public void RateLimited(string limit) => _rejections.Add(1, new KeyValuePair<string, object?>("limit", limit));

    private static KeyValuePair<string, object?> Tag(string kind) => kind switch
    {
        Signaling => SignalingTag,
        Monitor => MonitorTag,
        _ => VoiceTag,
    };

    private static string CloseCodeText(int code) => code switch
    {
        1000 => "1000",
        1008 => "1008",
        1013 => "1013",
        4000 => "4000",
        4003 => "4003",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>One endpoint's requests sent inside the measured window: successful latency, and failures by status and problem code.</summary>
public sealed record EndpointStats(string Endpoint, long Requests, LatencySummary Latency, long Errors, IReadOnlyDictionary<string, long> ErrorsByKind);

using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Signaling;

public sealed record SignalingResult(
    RunHeader Run,
    int Rooms,
    int Sockets,
    int SocketsJoined,
    IReadOnlyDictionary<string, long> ConnectFailures,
    long ConnectionsOpened,
    double MessagesPerSecondPerSocket,
    double SetupSeconds,
    double ConnectSeconds,
    double WarmupSeconds,
    double MeasuredSeconds,
    double DrainSeconds,
    long MessagesSent,
    double MessagesSentPerSecond,
    long MessagesReceived,
    long MessagesLost,
    long SequenceGaps,
    long OutOfOrder,
    LatencySummary Relay,
    LatencySummary SendLag,
    long SendFailures,
    IReadOnlyDictionary<string, long> ErrorsByCode,
    IReadOnlyDictionary<string, long> ClosesByStatus,
    IReadOnlyDictionary<string, long> OtherMessages,
    IReadOnlyList<RelaySecond> Timeline,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    /// <summary>All watched server processes together, as a share of the whole machine (every core): what "30 % of the machine" means.</summary>
    public double ServersPercentOfMachine =>
        Math.Round(Cpu.Servers.Sum(s => s.PercentOfOneCore ?? 0) / Math.Max(1, Cpu.ProcessorCount), 1);

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (MessagesReceived == 0)
            {
                warnings.Add("no relayed message arrived");
            }

            if (SocketsJoined < Sockets)
            {
                warnings.Add($"{Text.Whole(Sockets - SocketsJoined)} sockets did not connect and join: {Text.Kinds(ConnectFailures)}");
            }

            if (MessagesLost > 0 || SequenceGaps > 0)
            {
                warnings.Add($"{Text.Whole(MessagesLost)} messages sent in the window did not arrive within the drain; {Text.Whole(SequenceGaps)} sequence gaps");
            }

            if (ErrorsByCode.Count > 0 || ClosesByStatus.Count > 0 || SendFailures > 0)
            {
                warnings.Add($"errors {Text.Kinds(ErrorsByCode)}, closes {Text.Kinds(ClosesByStatus)}, failed sends {Text.Whole(SendFailures)}");
            }

            if (RequestCapReached)
            {
                warnings.Add("the message cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => MessagesReceived > 0;

    private static string KindsOrNone(IReadOnlyDictionary<string, long> counts) => counts.Count == 0 ? "none" : Text.Kinds(counts);

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"signaling  {Run.Url}  {Text.Whole(Rooms)} rooms x 3 = {Text.Whole(Sockets)} sockets, {Text.Whole(SocketsJoined)} joined ({Text.Whole(ConnectionsOpened)} connections opened); set-up {Text.Num(SetupSeconds, "0.0")} s, connect and join {Text.Num(ConnectSeconds, "0.0")} s");
        text.AppendLine($"  {Text.Num(MessagesPerSecondPerSocket, "0.##")} candidate/s per socket to the next peer of its room, starts staggered; {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(MeasuredSeconds, "0.0")} s measured, {Text.Num(DrainSeconds, "0.#")} s drain");
        text.AppendLine($"  sent             {Text.Whole(MessagesSent),9}  {Text.Num(MessagesSentPerSecond, "0.0"),9}/s  send lag {Text.Latency(SendLag)}");
        text.AppendLine($"  relayed          {Text.Whole(MessagesReceived),9}  lost {Text.Whole(MessagesLost)}, sequence gaps {Text.Whole(SequenceGaps)}, out of order {Text.Whole(OutOfOrder)}");
        text.AppendLine($"  relay latency    {Text.Latency(Relay)}  p99.9 {Text.Ms(Relay.P999Ms)}  mean {Text.Ms(Relay.MeanMs)}");
        var slowSeconds = Timeline.Where(s => s.SlowerThan10Ms > 0).ToList();
        text.AppendLine($"  over 10 ms       {Text.Whole(Timeline.Sum(s => s.SlowerThan10Ms)),9}  in {slowSeconds.Count} of {Timeline.Count} seconds{(slowSeconds.Count > 0 ? ": " + string.Join(", ", slowSeconds.Select(s => $"s{s.Second} {Text.Whole(s.SlowerThan10Ms)} (max {Text.Num(s.MaxMs, "0")} ms)")) : string.Empty)}");
        text.AppendLine($"  errors           {KindsOrNone(ErrorsByCode)}; closes by the server {KindsOrNone(ClosesByStatus)}; failed sends {Text.Whole(SendFailures)}; other messages {KindsOrNone(OtherMessages)}");
        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        text.AppendLine($"  servers          {Text.Num(ServersPercentOfMachine, "0.0")} % of the machine ({Cpu.ProcessorCount} cores = 100 %)");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}

/// <summary>One second of the measured window, by send time: relayed messages, those slower than 10 ms, and the slowest.</summary>
public sealed record RelaySecond(int Second, long Relayed, long SlowerThan10Ms, double MaxMs);

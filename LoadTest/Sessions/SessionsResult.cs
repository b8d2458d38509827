using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Sessions;

/// <summary>
/// One session run: how long enrolment, the start and the play took, every room's outcome, each step's
/// latency, and the monitor's rate and delay. Times are seconds; <c>PlaySeconds</c> runs from the start's
/// answer to the last consensus, <c>EnrolToLastConsensusSeconds</c> from the first enrolment to it.
/// </summary>
public sealed record SessionsResult(
    RunHeader Run,
    int Students,
    int RoomsExpected,
    int RoomsStarted,
    int RoomsFinished,
    double ThinkSeconds,
    int Enrolled,
    double EnrolSeconds,
    double StartSeconds,
    double? MonitorFirstPictureSeconds,
    double? PlaySeconds,
    double? EnrolToLastConsensusSeconds,
    bool MonitorShowedEveryRoomFinished,
    string? MonitorEnded,
    int MonitorUnreadable,
    MonitorFigures Monitor,
    IReadOnlyList<EndpointStats> Endpoints,
    long ConnectionsOpened,
    CpuReport Cpu) : IScenarioResult
{
    [JsonIgnore]
    public bool MeasuredSomething => RoomsFinished > 0;

    /// <summary>Every room played to its end and shown so, and no room's messages came faster than one a second.</summary>
    [JsonIgnore]
    public bool Passed =>
        RoomsFinished == RoomsExpected && MonitorShowedEveryRoomFinished && MonitorEnded is null && MonitorUnreadable == 0
        && Monitor.RoomsOverOnePerSecond == 0 && Monitor.ChoicesNeverShown == 0;

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (RoomsFinished < RoomsExpected)
            {
                warnings.Add($"{RoomsExpected - RoomsFinished} of {RoomsExpected} rooms did not finish ({Students - Enrolled} students could not enrol, {RoomsExpected - RoomsStarted} rooms did not start)");
            }

            if (!MonitorShowedEveryRoomFinished)
            {
                warnings.Add("the monitor did not show every room finished within 30 s of the last consensus");
            }

            if (MonitorEnded is not null)
            {
                warnings.Add($"the monitor socket ended early: {MonitorEnded}");
            }

            if (MonitorUnreadable > 0)
            {
                warnings.Add($"{MonitorUnreadable} monitor messages were not a readable room_status");
            }

            if (Monitor.RoomsOverOnePerSecond > 0)
            {
                warnings.Add($"{Monitor.RoomsOverOnePerSecond} rooms were sent more than one message in a second (at most {Monitor.MostInOneSecondForOneRoom})");
            }

            if (Monitor.ChoicesNeverShown > 0)
            {
                warnings.Add($"{Monitor.ChoicesNeverShown} choices were never shown by the monitor");
            }

            if (Endpoints.Sum(e => e.Errors) is > 0 and var errors)
            {
                warnings.Add($"{Text.Whole(errors)} requests failed");
            }

            return warnings;
        }
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"sessions  {Run.Url}  {Students} students, {RoomsExpected} rooms of three, think up to {Text.Num(ThinkSeconds, "0.##")} s ({Text.Whole(ConnectionsOpened)} connections opened)");
        text.AppendLine($"  enrolment        {Enrolled} of {Students} enrolled in {Text.Num(EnrolSeconds, "0.00")} s (guest sign-in and enrolment each)");
        text.AppendLine($"  start            {Text.Num(StartSeconds, "0.000")} s to group and start {RoomsStarted} rooms");
        text.AppendLine($"  play             {RoomsFinished} of {RoomsExpected} rooms finished; last consensus {Seconds(PlaySeconds)} after the start, {Seconds(EnrolToLastConsensusSeconds)} after the first enrolment");
        text.AppendLine($"  monitor          first picture of every room {Seconds(MonitorFirstPictureSeconds)} after connecting; {Text.Whole(Monitor.Messages)} messages over {Text.Num(Monitor.WatchedSeconds, "0.0")} s");
        text.AppendLine($"  monitor rate     {Text.Num(Monitor.MessagesPerSecondPerRoom, "0.000")} messages/s per room on average; as sent, at most {Monitor.MostInOneSecondForOneRoom} per room in a second ({Monitor.RoomsOverOnePerSecond} rooms over 1) and shortest gap {(Monitor.ShortestGapMs is { } gap ? Text.Ms(gap) : "-")}");
        text.AppendLine($"  monitor delay    choice 201 to the status showing it: p50 {Text.Ms(Monitor.Delay.P50Ms)}  p95 {Text.Ms(Monitor.DelayP95Ms)}  p99 {Text.Ms(Monitor.Delay.P99Ms)}  max {Text.Ms(Monitor.Delay.MaxMs)}");
        text.AppendLine($"                   of {Text.Whole(Monitor.Choices)} choices {Text.Whole(Monitor.ChoicesShownAsChosen)} shown as chosen, {Text.Whole(Monitor.Choices - Monitor.ChoicesShownAsChosen - Monitor.ChoicesNeverShown)} only by a later state (coalesced), {Text.Whole(Monitor.ChoicesNeverShown)} never");
        foreach (var endpoint in Endpoints)
        {
            text.AppendLine($"  {endpoint.Endpoint,-36} {Text.Whole(endpoint.Requests),8}  {Text.Latency(endpoint.Latency)}  {(endpoint.Errors > 0 ? $"errors {Text.Whole(endpoint.Errors)} {Text.Kinds(endpoint.ErrorsByKind)}" : string.Empty)}");
        }

        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }

    private static string Seconds(double? seconds) => seconds is { } s ? $"{Text.Num(s, "0.00")} s" : "never";
}

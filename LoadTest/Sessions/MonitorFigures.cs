using System.Diagnostics;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Sessions;

/// <summary>A choice as its student saw it answered: the 201 arrived at <paramref name="AnsweredAt"/> (a <c>Clock</c> timestamp).</summary>
public sealed record AnsweredChoice(string RoomCode, long UserId, int Round, long AnsweredAt);

/// <summary>
/// What the monitor cost and how far behind it was. Rate: the most of one room's messages in any one second
/// and the shortest gap between two, both by the server's <c>sent_at</c> (the contract allows one per room per
/// second as sent; arrival times add the delivery's jitter, which on a busy machine put two in one second of
/// arrival), and on average over the rooms and the time watched. Delay: from a choice's 201 to the first room_status that
/// shows it (that student chosen in that round, or the room already past the round: the monitor
/// coalesces a room's changes, so a round that ends within a second may never be shown half-chosen).
/// A status that arrived before the 201 was read counts as no delay.
/// </summary>
public sealed record MonitorFigures(
    long Messages,
    int Rooms,
    double WatchedSeconds,
    double MessagesPerSecondPerRoom,
    int MostInOneSecondForOneRoom,
    int RoomsOverOnePerSecond,
    double? ShortestGapMs,
    long Choices,
    long ChoicesShownAsChosen,
    long ChoicesNeverShown,
    LatencySummary Delay,
    double DelayP95Ms)
{
    public static MonitorFigures Of(IReadOnlyList<MonitorMessage> messages, long connectedAt, long watchedUntil, IReadOnlyCollection<string> rooms, IReadOnlyCollection<AnsweredChoice> choices)
    {
        var byRoom = messages.GroupBy(m => m.RoomCode, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(m => m.ArrivedAt).ToList(), StringComparer.Ordinal);
        var sent = byRoom.Values.Select(list => list.Select(m => m.SentAt).Order().ToList()).ToList();
        var mostPerWindow = sent.Select(MostInOneSecond).ToList();
        var gaps = sent.SelectMany(times => times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds)).ToList();
        var watched = Math.Max(Stopwatch.GetElapsedTime(connectedAt, watchedUntil).TotalSeconds, 1e-9);

        var delay = new LatencyHistogram();
        long literal = 0, never = 0;
        foreach (var choice in choices)
        {
            var shown = byRoom.GetValueOrDefault(choice.RoomCode)?.Find(m => m.Reflects(choice.UserId, choice.Round));
            if (shown is null)
            {
                never++;
                continue;
            }

            if (shown.Round == choice.Round && shown.Chosen.Contains(choice.UserId))
            {
                literal++;
            }

            delay.Record(shown.ArrivedAt > choice.AnsweredAt ? Stopwatch.GetElapsedTime(choice.AnsweredAt, shown.ArrivedAt) : TimeSpan.Zero);
        }

        return new MonitorFigures(
            messages.Count,
            rooms.Count,
            Math.Round(watched, 2),
            Math.Round(messages.Count / watched / Math.Max(rooms.Count, 1), 3),
            mostPerWindow.DefaultIfEmpty(0).Max(),
            mostPerWindow.Count(n => n > 1),
            gaps.Count == 0 ? null : Math.Round(gaps.Min(), 1),
            choices.Count,
            literal,
            never,
            delay.Summarize(),
            delay.PercentileMs(95));

        // Any second, not whole seconds from a start: each message opens a window, and those sent within it count.
        static int MostInOneSecond(List<DateTimeOffset> times) =>
            times.Select((start, i) => times.Skip(i).TakeWhile(t => t - start < TimeSpan.FromSeconds(1)).Count()).Max();
    }
}

using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Research;

/// <summary>The cross-room figures of embedded mode: the same definitions as the SQL, over the in-memory records.</summary>
public sealed class InMemoryResearchAggregates(InMemoryResearchStore store, IAccountStore accounts) : IResearchAggregates
{
    public async Task<IReadOnlyList<TopicFigures>> TopicFiguresAsync(string? study, CancellationToken cancellationToken)
    {
        var rooms = Rooms(study);
        var consenting = await ConsentingAsync(rooms, cancellationToken);
        return rooms.GroupBy(r => r.Record.Topic).OrderBy(g => g.Key, StringComparer.Ordinal).Select(topic =>
        {
            var all = topic.SelectMany(room => room.Consensus.Select(c => (Room: room, Consensus: c))).ToList();
            var rounds = all.Where(r => !WithBots(r.Room, r.Consensus.RoundNumber)).Select(r =>
            {
                var choices = r.Room.Choices.Where(x => x.RoundNumber == r.Consensus.RoundNumber && consenting.Contains(x.UserId)).ToList();
                var majority = choices.GroupBy(x => x.Choice).Where(g => g.Count() * 2 > choices.Count).Select(g => (int?)g.Key).FirstOrDefault();
                return (r.Consensus.Confidence, Consensus: r.Consensus.Choice, Majority: majority, Distinct: choices.Select(x => x.Choice).Distinct().Count());
            }).ToList();
            var withMajority = rounds.Count(r => r.Majority is not null);
            var followed = rounds.Count(r => r.Majority is not null && r.Majority == r.Consensus);
            return new TopicFigures(
                topic.Key,
                topic.Count(),
                topic.Count(r => r.Progress?.Status == RoomStatus.Finished),
                all.Count,
                withMajority,
                followed,
                rounds.Count(r => r.Distinct == 1),
                withMajority == 0 ? null : Math.Round(followed / (double)withMajority, 4),
                rounds.Count == 0 ? null : Math.Round(rounds.Average(r => r.Confidence), 4),
                all.Count - rounds.Count);
        }).ToList();
    }

    public async Task<IReadOnlyList<RoleFigures>> RoleFiguresAsync(string? study, CancellationToken cancellationToken)
    {
        var rooms = Rooms(study);
        var consenting = await ConsentingAsync(rooms, cancellationToken);
        var compared = rooms.SelectMany(room => room.Choices
            .Where(c => consenting.Contains(c.UserId) && !WithBots(room, c.RoundNumber))
            .Select(c => (Choice: c, Role: room.Seats.FirstOrDefault(s => s.UserId == c.UserId)?.RoleId, Consensus: room.Consensus.FirstOrDefault(k => k.RoundNumber == c.RoundNumber)))
            .Where(x => x.Role is not null && x.Consensus is not null))
            .ToList();
        return compared.GroupBy(x => x.Role!.Value).OrderBy(g => g.Key).Select(g => new RoleFigures(
            g.Key,
            RoomRules.RoleName(g.Key),
            g.Count(),
            Math.Round(g.Average(x => x.Choice.Choice == x.Consensus!.Choice ? 1.0 : 0.0), 4),
            Math.Round(g.Average(x => (double)x.Choice.Confidence), 4),
            Math.Round(g.Average(x => (double)(x.Consensus!.Confidence - x.Choice.Confidence)), 4))).ToList();
    }

    public Task<StudyList> StudiesAsync(CancellationToken cancellationToken)
    {
        var studies = store.SnapshotRooms()
            .Where(r => r.Record.StudyLabel is not null)
            .GroupBy(r => r.Record.StudyLabel!, StringComparer.Ordinal)
            .Select(study => new StudySummary(
                study.Key,
                study.Select(r => r.Record.SessionCode).OfType<string>().Distinct(StringComparer.Ordinal).LongCount(),
                study.LongCount(),
                study.LongCount(r => r.Progress?.Status == RoomStatus.Finished),
                Utc(study.Min(r => r.Record.CreatedAt)),
                Utc(study.Max(r => r.Record.CreatedAt))))
            .ToList();
        return Task.FromResult(new StudyList(
            [.. studies.OrderByDescending(s => s.LastRoomAt).ThenBy(s => s.StudyLabel, StringComparer.Ordinal).Take(StudyList.MaxItems)],
            studies.Count));
    }

    private IReadOnlyList<RecordedRoom> Rooms(string? study) => study is null
        ? store.SnapshotRooms()
        : [.. store.SnapshotRooms().Where(r => string.Equals(r.Record.StudyLabel, study, StringComparison.Ordinal))];

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    // As the SQL's bot_rounds: a round in which a bot chose is left out of every figure but the count of completed rounds.
    private static bool WithBots(RecordedRoom room, int round) => room.Choices.Any(c => c.IsBot && c.RoundNumber == round);

    private async Task<HashSet<long>> ConsentingAsync(IReadOnlyList<RecordedRoom> rooms, CancellationToken cancellationToken)
    {
        var consenting = new HashSet<long>();
        foreach (var userId in rooms.SelectMany(r => r.Choices).Select(c => c.UserId).Distinct())
        {
            if ((await accounts.FindByIdAsync(userId, cancellationToken))?.DataConsent == true)
            {
                consenting.Add(userId);
            }
        }

        return consenting;
    }
}

using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The <c>decisions</c> sheet from <c>round_choice_submissions</c> (one row per submission: every revision of every seat's
/// choice in every round) and the <c>timed_out</c> and <c>absent</c> rows of <c>room_events</c>. A round's opening time is not
/// stored as such; it is the game's start for round 1 and the previous round's consensus or no_consensus for the others,
/// which is when the room grain opens the next round.
/// </summary>
public sealed class DecisionsSource : ResearchSheet<DecisionExportRow>
{
    public override ExportSheet<DecisionExportRow> Sheet => DecisionsSheet.Sheet;

    // Both reads give a room's round in user id, status and revision order: the same order by the ids the sheet shows.
    protected override RowOrder<DecisionExportRow> OrderWithinGroups { get; } = new(
        static (a, b) => a.RoundNumber == b.RoundNumber && string.Equals(a.RoomCode, b.RoomCode, StringComparison.Ordinal),
        static (a, b) => a.UserId != b.UserId ? a.UserId.CompareTo(b.UserId)
            : string.CompareOrdinal(a.Status, b.Status) is var status and not 0 ? status
            : Nullable.Compare(a.Revision, b.Revision));

    public override IAsyncEnumerable<DecisionExportRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.QueryRoomBatchesAsync<DecisionExportRow>(Sql, (reader, rows, token) => ReadBatchAsync(reader, rows, source, token), cancellationToken);
    }

    // A batch's answer: when each of its rooms' rounds opened, then the submissions, then the missed rounds, in no order;
    // the rows are put in the sheet's order here.
    private static async Task ReadBatchAsync(MySqlDataReader reader, List<DecisionExportRow> rows, MySqlSheetContext source, CancellationToken cancellationToken)
    {
        var opened = await ReadOpeningsAsync(reader, source, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadChosen(reader, source, opened));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadMissed(reader, source, opened));
        }

        rows.Sort(SheetOrder);
    }

    private static async Task<Dictionary<(string Room, int Round), DateTime>> ReadOpeningsAsync(MySqlDataReader reader, MySqlSheetContext source, CancellationToken cancellationToken)
    {
        var opened = new Dictionary<(string Room, int Round), DateTime>();
        while (await reader.ReadAsync(cancellationToken))
        {
            // Each row names the round before the one it opened (0 for the game's start).
            var round = reader.GetInt32(2) + 1;
            var key = (source.Pooled(reader.GetString(1)), round);
            var at = MySqlSheetContext.Utc(reader.GetDateTime(3));
            switch ((Opening)reader.GetInt32(0))
            {
                case Opening.GameStarted:
                    opened[key] = at;
                    break;
                case Opening.Consensus when round > 1:
                    opened[key] = at;
                    break;
                case Opening.NoConsensus when round > 1:
                    // A consensus, if the round has one, is when the next round opened.
                    opened.TryAdd(key, at);
                    break;
            }
        }

        return opened;
    }

    private static DecisionExportRow ReadChosen(MySqlDataReader reader, MySqlSheetContext source, Dictionary<(string Room, int Round), DateTime> opened)
    {
        var room = source.Pooled(reader.GetString(0));
        var round = reader.GetInt32(2);
        var at = MySqlSheetContext.Utc(reader.GetDateTime(6));
#pragma warning disable CA1849 // IsDBNull: the whole row is already received.
        return new DecisionExportRow(
            room,
            reader.GetInt64(1),
            round,
            DecisionsSheet.Chosen,
            reader.GetInt32(3),
            reader.GetInt32(4),
            reader.GetInt32(5),
            ExportValue.ToExportTime(at),
            Since(OpenedAt(opened, room, round), at),
            reader.GetBoolean(7),
            reader.IsDBNull(8) ? null : ExportValue.Clean(reader.GetString(8)),
            PageLanguage.FromCode(reader.GetInt32(9)));
#pragma warning restore CA1849
    }

    private static DecisionExportRow ReadMissed(MySqlDataReader reader, MySqlSheetContext source, Dictionary<(string Room, int Round), DateTime> opened)
    {
        var room = source.Pooled(reader.GetString(0));
        var round = reader.GetInt32(2);
        var at = MySqlSheetContext.Utc(reader.GetDateTime(4));
        return new DecisionExportRow(
            room, reader.GetInt64(1), round, source.Pooled(reader.GetString(3)), null, null, null,
            ExportValue.ToExportTime(at), Since(OpenedAt(opened, room, round), at), reader.GetBoolean(5), null);
    }

    private static DateTime? OpenedAt(Dictionary<(string Room, int Round), DateTime> opened, string room, int round) =>
        opened.TryGetValue((room, round), out var at) ? at : null;

    // The sheet's order, which the in-memory read gives room by room: room, round, user, status, revision.
    private static int SheetOrder(DecisionExportRow a, DecisionExportRow b) =>
        string.CompareOrdinal(a.RoomCode, b.RoomCode) is var room and not 0 ? room
        : a.RoundNumber != b.RoundNumber ? a.RoundNumber.CompareTo(b.RoundNumber)
        : a.UserId != b.UserId ? a.UserId.CompareTo(b.UserId)
        : string.CompareOrdinal(a.Status, b.Status) is var status and not 0 ? status
        : Nullable.Compare(a.Revision, b.Revision);

    public override async IAsyncEnumerable<DecisionExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            var code = room.Record.RoomCode;
            var events = source.Research.RoomEvents(code);
            var rows = new List<(DecisionExportRow Row, DateTime At)>();
            foreach (var choice in room.Submissions)
            {
                if (await source.IsExportedAsync(choice.UserId, cancellationToken))
                {
                    rows.Add((new DecisionExportRow(code, choice.UserId, choice.RoundNumber, DecisionsSheet.Chosen, choice.Choice, choice.Confidence, choice.Revision, default, null, choice.IsBot, choice.BotReason is { } reason ? ExportValue.Clean(reason) : null, choice.Language), choice.At));
                }
            }

            foreach (var missed in events.Where(e => e.EventType is RoomEventType.TimedOut or RoomEventType.Absent && e.UserId is not null && e.RoundNumber is not null))
            {
                if (await source.IsExportedAsync(missed.UserId!.Value, cancellationToken))
                {
                    rows.Add((new DecisionExportRow(code, missed.UserId.Value, missed.RoundNumber!.Value, missed.EventType, null, null, null, default, null, missed.IsBot, null), missed.At));
                }
            }

            foreach (var (row, at) in rows.OrderBy(r => r.Row.RoundNumber).ThenBy(r => r.Row.UserId).ThenBy(r => r.Row.Status, StringComparer.Ordinal).ThenBy(r => r.Row.Revision))
            {
                yield return row with { At = ExportValue.ToExportTime(at), MillisecondsSinceRoundOpened = Since(Opened(room, events, row.RoundNumber), at) };
            }
        }
    }

    private static DateTime? Opened(RecordedRoom room, IReadOnlyList<RoomEventRecord> events, int round) => round == 1
        ? room.Progress?.StartedAt
        : room.Consensus.FirstOrDefault(c => c.RoundNumber == round - 1)?.At
            ?? events.Where(e => e.EventType == RoomEventType.NoConsensus && e.RoundNumber == round - 1).Select(e => (DateTime?)e.At).Min();

    // From the two times as the export shows them, truncated to milliseconds: a researcher subtracting the round's opening
    // (the rooms sheet's started_at, the consensus sheet's at) from this row's at gets this number; from the stored
    // microseconds it came out a millisecond short whenever the opening's fraction of a millisecond was the larger.
    private static long? Since(DateTime? opened, DateTime at) =>
        opened is { } from ? (ExportValue.ToExportTime(at) - ExportValue.ToExportTime(from)).Ticks / TimeSpan.TicksPerMillisecond : null;

    private enum Opening
    {
        GameStarted = 0,
        Consensus = 1,
        NoConsensus = 2,
    }

    // Three statements per batch of rooms, each driven from its rooms. The opening times are read once per room and round
    // rather than joined to every submission (the previous round's consensus joined per row, and a subquery for its
    // no_consensus, were a third of the server's CPU for this sheet), and the silo sorts the batch, which costs the server
    // a temporary table and a sort of every submission: at 100,000 participants the sheet took MariaDB 2.2-2.6 CPU-seconds
    // this way against 3.5-4.3 as one sorted union with the joins (same rows, same order).
    private static string Sql(string where) => $"""
        SELECT {(int)Opening.GameStarted}, r.room_code, 0, r.started_at
        FROM rooms r
        {MySqlSheetContext.And(where, "r.started_at IS NOT NULL")}
        UNION ALL
        SELECT {(int)Opening.Consensus}, k.room_code, k.round_number, k.created_at
        FROM rooms r
        STRAIGHT_JOIN consensus_choices k ON k.room_code = r.room_code
        {where}
        UNION ALL
        SELECT {(int)Opening.NoConsensus}, n.room_code, n.round_number, MIN(n.occurred_at)
        FROM rooms r
        STRAIGHT_JOIN room_events n ON n.room_code = r.room_code
        {MySqlSheetContext.And(where, $"n.event_type = '{RoomEventType.NoConsensus}' AND n.round_number IS NOT NULL")}
        GROUP BY n.room_code, n.round_number;
        SELECT c.room_code, c.user_id, c.round_number, c.choice, c.confidence, c.revision, c.submitted_at, c.is_bot, c.bot_reason,
               {PageLanguage.CodeSql("c.language")}
        FROM rooms r
        STRAIGHT_JOIN round_choice_submissions c ON c.room_code = r.room_code
        STRAIGHT_JOIN users u ON u.id = c.user_id
        {MySqlSheetContext.And(where, MySqlSheetContext.Exported)};
        SELECT e.room_code, e.user_id, e.round_number, e.event_type, e.occurred_at, e.is_bot
        FROM rooms r
        STRAIGHT_JOIN room_events e ON e.room_code = r.room_code
        STRAIGHT_JOIN users u ON u.id = e.user_id
        {MySqlSheetContext.And(where, $"e.event_type IN ('{RoomEventType.TimedOut}', '{RoomEventType.Absent}') AND e.round_number IS NOT NULL AND {MySqlSheetContext.Exported}")}
        """;
}

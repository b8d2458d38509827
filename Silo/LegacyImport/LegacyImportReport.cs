using System.Globalization;
using System.Text;

namespace Dilemma.Silo.LegacyImport;

/// <summary>Why a row of the original was not written; the report counts rows per reason.</summary>
public static class SkipReasons
{
    public const string AlreadyImported = "already imported by an earlier run";
    public const string NoUsername = "registered user without a username";
    public const string NoTopic = "room without a topic";
    public const string TopicTooLong = "topic longer than 64 characters";
    public const string NoHost = "neither its creator nor any of its participants was imported";
    public const string RoomMissing = "its room is not in the original's rooms table";
    public const string RoomNotImported = "its room was not imported";
    public const string UserMissing = "its user is not in the original's users table";
    public const string UserNotImported = "its user was not imported";
    public const string SeatTwice = "the same user seated twice in one room";
    public const string SeatMissing = "its participant is not in the original's room_participants table";
    public const string SeatNotImported = "its participant was not imported";
    public const string OtherRoom = "its room differs from its participant's room";
    public const string RoundOutOfRange = "round_number outside 1-5";
    public const string ChoiceOutOfRange = "choice outside 0-3";
    public const string ConfidenceOutOfRange = "confidence outside 1-5";
    public const string ChoiceTwice = "a second choice of the same participant in the same round";
    public const string ConsensusTwice = "a second consensus of the same room in the same round";
}

/// <summary>What was done to rows that were written: kept, but not exactly as the original had them.</summary>
public static class ImportNotes
{
    public const string UsernameCut = "username cut to 32 characters";
    public const string UsernameTaken = "username already taken here: imported without a sign-in name";
    public const string EmailDropped = "email longer than 254 characters: left out";
    public const string NoCreatedAt = "no created_at: the import's time";
    public const string NewRoomCode = "room code not six digits or already in use here: given a new code";
    public const string NotStarted = "never started: imported as closed, not finished";
    public const string HostFromSeat = "creator not imported: the first imported participant is its host";
    public const string NoRole = "role_id outside 1-3: imported without a role";
    public const string NicknameFromUser = "no nickname: the user's name";
    public const string NicknameCut = "nickname cut to 32 characters";
}

/// <summary>One original table's count of rows read, written and skipped (by reason), and notes on written rows.</summary>
public sealed class TableReport(string table)
{
    public string Table => table;

    public long Read { get; internal set; }

    public long Written { get; internal set; }

    public SortedDictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> Notes { get; } = new(StringComparer.Ordinal);

    public long SkippedTotal => Skipped.Values.Sum();

    public long Processed => Written + SkippedTotal;

    internal void Skip(string reason) => Skipped[reason] = Skipped.GetValueOrDefault(reason) + 1;

    internal void Note(string note) => Notes[note] = Notes.GetValueOrDefault(note) + 1;
}

/// <summary>The result of one run of the importer, table by table in the order they were imported.</summary>
public sealed record LegacyImportReport(IReadOnlyList<TableReport> Tables, TimeSpan Elapsed)
{
    public TableReport this[string table] => Tables.Single(t => t.Table == table);

    public override string ToString()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Imported from the original system in {Elapsed.TotalSeconds:0.0} s.");
        text.AppendLine("table              read  written  skipped");
        foreach (var table in Tables)
        {
            text.AppendLine(c, $"{table.Table,-17} {table.Read,6} {table.Written,8} {table.SkippedTotal,8}");
            foreach (var (reason, count) in table.Skipped)
            {
                text.AppendLine(c, $"    skipped {count,6}: {reason}");
            }

            foreach (var (note, count) in table.Notes)
            {
                text.AppendLine(c, $"    written {count,6}: {note}");
            }
        }

        return text.ToString();
    }
}

using System.Collections.Frozen;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>What the writers and the codebook need of a data sheet, whatever its row type.</summary>
public interface IExportSheet
{
    /// <summary>The sheet's name in the workbook, the <c>sheet</c> query value of a CSV export, and the prefix of its manifest keys.</summary>
    string Name { get; }

    IReadOnlyList<IExportColumn> Columns { get; }
}

/// <summary>A data sheet: its name and its columns in order, each with its codebook entry and how a row yields its cell.</summary>
public sealed class ExportSheet<TRow>(string name, IReadOnlyList<ExportColumn<TRow>> columns) : IExportSheet
{
    public string Name { get; } = name;

    public IReadOnlyList<ExportColumn<TRow>> Columns { get; } = columns;

    IReadOnlyList<IExportColumn> IExportSheet.Columns => Columns;

    /// <summary>
    /// The row as <paramref name="privacy"/> lets it leave: every user id column's id replaced by its pseudonym, every name
    /// column emptied unless names are included. Every sheet's rows pass through here before they are hashed and sent.
    /// </summary>
    public TRow Protect(TRow row, ExportPrivacy privacy)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        foreach (var column in Columns)
        {
            if (privacy.Pseudonym is { } pseudonym && column.UserIds is { } replace)
            {
                row = replace(row, pseudonym);
            }

            if (!privacy.IncludeNames && column.LeaveOutName is { } leaveOut)
            {
                row = leaveOut(row);
            }
        }

        return row;
    }

    /// <summary>Fills <paramref name="cells"/> (one per column) with the row's values.</summary>
    public void Read(TRow row, Span<ExportValue> cells)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            cells[i] = Columns[i].Read(row);
        }
    }
}

/// <summary>
/// What an export lets leave about people: <see cref="Pseudonym"/> replaces every user id (null: ids as they are),
/// and names stay only when <see cref="IncludeNames"/>. Made by the export grain; never sent anywhere.
/// </summary>
public sealed record ExportPrivacy(Func<long, long>? Pseudonym, bool IncludeNames)
{
    public static ExportPrivacy None { get; } = new(null, IncludeNames: true);
}

/// <summary>
/// Every data sheet of the export, in workbook order (the codebook and the manifest follow them). The export
/// grain reads them in this order, the writers write what it sends, and the codebook describes every column
/// listed here; adding a sheet is its own file (row type and columns) plus one line here and one in the grain's list.
/// </summary>
public static class ExportSheets
{
    public static ExportSheet<ParticipantExportRow> Participants { get; } = new("participants", ExportColumns.Participants);

    public static ExportSheet<RoomExportRow> Rooms { get; } = new("rooms", ExportColumns.Rooms);

    public static ExportSheet<ScenarioExportRow> Scenarios { get; } = new("scenarios", ScenarioExportRow.Columns);

    public static ExportSheet<AiInteractionExportRow> AiInteractions { get; } = new("ai_interactions", AiInteractionExportRow.Columns);

    public static IReadOnlyList<IExportSheet> All { get; } =
    [
        Participants,
        Rooms,
        DecisionsSheet.Sheet,
        ConsensusSheet.Sheet,
        RoomEventsSheet.Sheet,
        FacilitatorActionsSheet.Sheet,
        RecordingEventsSheet.Sheet,
        ConnectionQualitySheet.Sheet,
        Scenarios,
        AiInteractions,
    ];

    private static readonly FrozenDictionary<string, IExportSheet> ByName = All.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The sheet of this name, or null if there is none.</summary>
    public static IExportSheet? Find(string name) => ByName.GetValueOrDefault(name);
}

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
/// Every data sheet of the export, in workbook order (the codebook and the manifest follow them). The export
/// grain reads them in this order, the writers write what it sends, and the codebook describes every column
/// listed here; adding a sheet is its own file (row type and columns) plus one line here and one in the grain's list.
/// </summary>
public static class ExportSheets
{
    public static ExportSheet<ParticipantExportRow> Participants { get; } = new("participants", ExportColumns.Participants);

    public static ExportSheet<RoomExportRow> Rooms { get; } = new("rooms", ExportColumns.Rooms);

    public static IReadOnlyList<IExportSheet> All { get; } =
    [
        Participants,
        Rooms,
    ];

    private static readonly FrozenDictionary<string, IExportSheet> ByName = All.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The sheet of this name, or null if there is none.</summary>
    public static IExportSheet? Find(string name) => ByName.GetValueOrDefault(name);
}

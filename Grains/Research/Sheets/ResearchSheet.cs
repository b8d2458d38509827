using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// A data sheet read row by row from the export's session: its shape (<see cref="IExportSheet"/>) and how each store
/// reads it. The export grain reads the two wide sheets (participants, rooms) itself, since the rooms sheet counts
/// what the participants sheet read; every other sheet is one of these, listed in <see cref="ResearchSheets.LongFormat"/>.
/// </summary>
public interface IResearchSheet
{
    IExportSheet Sheet { get; }

    /// <summary>
    /// The sheet's rows in chunks of at most <paramref name="rowsPerChunk"/>, at least one chunk (empty when the
    /// sheet has no rows); once the last is taken, <paramref name="summary"/> holds the row count and the hash.
    /// </summary>
    IAsyncEnumerable<SheetRows> ReadChunksAsync(IResearchExportSession session, int rowsPerChunk, ExportPrivacy privacy, SheetSummaryHolder summary, CancellationToken cancellationToken);
}

/// <summary>Where a sheet's read leaves its summary, known once its last row is read.</summary>
public sealed class SheetSummaryHolder
{
    public SheetSummary? Summary { get; set; }
}

/// <summary>
/// A sheet whose rows are <typeparamref name="TRow"/>. A subclass gives the sheet's columns and the two reads, which
/// must yield the same rows in the same order: the MySQL one inside the export's snapshot transaction, restricted to
/// the rooms the filter selects (<see cref="MySqlSheetContext.QueryAsync"/> adds the filter), and the in-memory one
/// over the rooms the export selected when it opened.
/// </summary>
public abstract class ResearchSheet<TRow> : IResearchSheet
{
    public abstract ExportSheet<TRow> Sheet { get; }

    IExportSheet IResearchSheet.Sheet => Sheet;

    public abstract IAsyncEnumerable<TRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken);

    public abstract IAsyncEnumerable<TRow> ReadAsync(InMemorySheetContext source, CancellationToken cancellationToken);

    /// <summary>
    /// For a sheet whose reads order rows by user id within a group (a room's round): the group and the order, applied
    /// again once pseudonyms have replaced the ids. Rows in the order of the stored ids would tell which pseudonym's
    /// account is the older. Null for a sheet whose order has no user id in it.
    /// </summary>
    protected virtual RowOrder<TRow>? OrderWithinGroups => null;

    public async IAsyncEnumerable<SheetRows> ReadChunksAsync(
        IResearchExportSession session,
        int rowsPerChunk,
        ExportPrivacy privacy,
        SheetSummaryHolder summary,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(summary);
        using var hash = new CanonicalRowHasher<TRow>(Sheet.Columns);
        var chunk = new List<TRow>(rowsPerChunk);
        var sent = false;
        var rows = session.ReadSheetAsync(this, cancellationToken);
        var order = privacy.Pseudonym is null ? null : OrderWithinGroups;
        if (order is not null)
        {
            rows = order.SortEachGroupAsync(rows, read => Sheet.Protect(read, privacy), cancellationToken);
        }

        await foreach (var read in rows)
        {
            // The sort protected its rows as it read them; every other sheet's are protected here, with no iterator between.
            var row = order is null ? Sheet.Protect(read, privacy) : read;
            hash.Add(row);
            chunk.Add(row);
            if (chunk.Count >= rowsPerChunk)
            {
                yield return new SheetRows<TRow>(Sheet.Name, [.. chunk]);
                sent = true;
                chunk.Clear();
            }
        }

        if (chunk.Count > 0 || !sent)
        {
            yield return new SheetRows<TRow>(Sheet.Name, [.. chunk]);
        }

        summary.Summary = new SheetSummary(Sheet.Name, hash.Rows, hash.Finish());
    }
}

/// <summary>
/// How a sheet's rows are ordered within a group of consecutive rows (<paramref name="SameGroup"/>): the sheet's reads
/// give the groups in order, and <see cref="SortEachGroupAsync"/> puts each group's few rows in <paramref name="Compare"/>'s order
/// once <c>change</c> has made them what the sheet shows.
/// </summary>
public sealed record RowOrder<TRow>(Func<TRow, TRow, bool> SameGroup, Comparison<TRow> Compare)
{
    public async IAsyncEnumerable<TRow> SortEachGroupAsync(IAsyncEnumerable<TRow> rows, Func<TRow, TRow> change, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(change);
        var group = new List<TRow>();
        await foreach (var read in rows.WithCancellation(cancellationToken))
        {
            var row = change(read);
            if (group.Count > 0 && !SameGroup(group[0], row))
            {
                group.Sort(Compare);
                foreach (var held in group)
                {
                    yield return held;
                }

                group.Clear();
            }

            group.Add(row);
        }

        group.Sort(Compare);
        foreach (var held in group)
        {
            yield return held;
        }
    }
}

/// <summary>The long-format sheets, in workbook order after participants and rooms (as <see cref="ExportSheets.All"/> lists them).</summary>
public static class ResearchSheets
{
    public static IReadOnlyList<IResearchSheet> LongFormat { get; } =
    [
        new DecisionsSource(),
        new ConsensusSource(),
        new RoomEventsSource(),
        new FacilitatorActionsSource(),
        new RecordingEventsSource(),
        new ConnectionQualitySource(),
        new ScenariosSheet(),
        new AiInteractionsSheet(),
    ];
}

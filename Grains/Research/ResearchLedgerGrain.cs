using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Paging;
using Orleans.Concurrency;

namespace Dilemma.Grains.Research;

[StatelessWorker]
[Reentrant]
public sealed class ResearchLedgerGrain(IExportLedger source) : Grain, IResearchLedgerGrain
{
    public async Task<ExportLedgerEntry> GetAsync(Guid exportId, CancellationToken cancellationToken) =>
        await source.FindExportAsync(exportId, cancellationToken)
        ?? throw RuleViolationException.NotFound("export_not_found", "No export has this id in the export ledger.");

    public async Task<ExportLedgerPage> ListAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        PageRules.ThrowIfInvalid(page, pageSize);

        // In long: a page far beyond the ledger is empty, not an overflow.
        var offset = (long)(page - 1) * pageSize;
        var (entries, total) = await source.ListExportsAsync(offset, pageSize, cancellationToken);
        return new ExportLedgerPage(entries, page, pageSize, total);
    }

    public async Task<ErasureLedgerPage> ListErasuresAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        PageRules.ThrowIfInvalid(page, pageSize);
        var (entries, total) = await source.ListErasuresAsync((long)(page - 1) * pageSize, pageSize, cancellationToken);
        return new ErasureLedgerPage(entries, page, pageSize, total);
    }
}

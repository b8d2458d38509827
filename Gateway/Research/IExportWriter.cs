using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>Writes an export's stream items to the response as they arrive, in one file format.</summary>
internal interface IExportWriter : IAsyncDisposable
{
    /// <summary>Writes a chunk of one sheet's rows; chunks come sheet by sheet, in workbook order.</summary>
    ValueTask WriteRowsAsync(SheetRows rows, CancellationToken cancellationToken);

    ValueTask CompleteAsync(ExportCompleted completed, CancellationToken cancellationToken);
}

/// <summary>What the manifest says about the request itself.</summary>
internal sealed record ExportDescription(Guid ExportId, DateTimeOffset StartedAt, ExportFilter Filter, string RequestedBy, string Format);

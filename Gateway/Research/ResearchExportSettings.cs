using Dilemma.Grains.Settings;

namespace Dilemma.Gateway.Research;

/// <summary>How exports stream from the silo (section <c>Research</c>), read and checked once at start-up.</summary>
/// <param name="RowsPerChunk">Rows the export grain puts in one stream item (<c>Research:ExportRowsPerChunk</c>).</param>
/// <param name="ChunksPerCall">Items Orleans may hand over in one call when they are ready (<c>Research:ExportChunksPerCall</c>).</param>
/// <param name="MaxStall">How long an export waits for a client that stopped reading (<c>Research:ExportMaxStallSeconds</c>); zero: unpaced.</param>
public sealed record ResearchExportSettings(int RowsPerChunk, int ChunksPerCall, TimeSpan MaxStall)
{
    public const int DefaultMaxStallSeconds = 600;

    public const int DefaultRowsPerChunk = 250;
    public const int DefaultChunksPerCall = 1;

    /// <summary>
    /// The most rows one call may carry. Orleans' serializer tracks every object of a message (each row and
    /// its strings) in a table it builds anew per message; past about 2,000 objects that table outgrows the
    /// large object heap's threshold: with 4,000 rows per call a million-row export allocated over 200 MB of
    /// large arrays in each process, set off a background gen2 collection every second or so, and grew the
    /// silo by about 100 MB on its first export. A row is at most five tracked objects (row, username, nickname,
    /// answers, and its room code once per room), and 500 rows keep the table at 2,801 entries (67 KB) at most.
    /// </summary>
    public const int MaxRowsPerCall = 500;

    public static ResearchExportSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var rowsPerChunk = SettingReader.WholeNumber(configuration, RowsKey, DefaultRowsPerChunk, 1, MaxRowsPerCall);
        var chunksPerCall = SettingReader.WholeNumber(configuration, ChunksKey, DefaultChunksPerCall, 1, MaxRowsPerCall);
        if (rowsPerChunk * chunksPerCall > MaxRowsPerCall)
        {
            throw new InvalidSettingException(
                ChunksKey,
                $"times {RowsKey} ({rowsPerChunk}) must be at most {MaxRowsPerCall} rows per call, not {rowsPerChunk * chunksPerCall}: larger messages make Orleans' serializer allocate large arrays for every call");
        }

        var maxStall = TimeSpan.FromSeconds(SettingReader.WholeNumber(configuration, "Research:ExportMaxStallSeconds", DefaultMaxStallSeconds, 0, 86_400));
        return new(rowsPerChunk, chunksPerCall, maxStall);
    }

    private const string RowsKey = "Research:ExportRowsPerChunk";
    private const string ChunksKey = "Research:ExportChunksPerCall";
}

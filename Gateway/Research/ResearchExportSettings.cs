using System.Globalization;
using Dilemma.Grains.Hosting;

namespace Dilemma.Gateway.Research;

/// <summary>How exports stream from the silo (section <c>Research</c>), read and checked once at start-up.</summary>
/// <param name="RowsPerChunk">Rows the export grain puts in one stream item (<c>Research:ExportRowsPerChunk</c>).</param>
/// <param name="ChunksPerCall">Items Orleans may hand over in one call when they are ready (<c>Research:ExportChunksPerCall</c>).</param>
public sealed record ResearchExportSettings(int RowsPerChunk, int ChunksPerCall)
{
    public const int DefaultRowsPerChunk = 1000;
    public const int DefaultChunksPerCall = 4;

    public static ResearchExportSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new(
            ReadInt(configuration, "Research:ExportRowsPerChunk", DefaultRowsPerChunk, 1, 5000),
            ReadInt(configuration, "Research:ExportChunksPerCall", DefaultChunksPerCall, 1, 100));
    }

    private static int ReadInt(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidSettingException(key, $"must be a whole number from {min} to {max}, not '{text}'");
    }
}

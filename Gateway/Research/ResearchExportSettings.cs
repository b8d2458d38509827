using System.ComponentModel.DataAnnotations;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Research;

/// <summary>How exports stream from the silo (section <c>Research</c>), bound and checked at start-up.</summary>
public sealed class ResearchExportSettings
{
    public const string SectionName = "Research";

    public const int DefaultMaxStallSeconds = 600;

    public const int DefaultRowsPerChunk = 250;
    public const int DefaultChunksPerCall = 2;

    /// <summary>
    /// The most rows one call may carry. Orleans' serializer tracks every object of a message (each row and
    /// its strings) in a table it builds anew per message; past about 2,000 objects that table outgrows the
    /// large object heap's threshold: with 4,000 rows per call a million-row export allocated over 200 MB of
    /// large arrays in each process, set off a background gen2 collection every second or so, and grew the
    /// silo by about 100 MB on its first export. A row is at most five tracked objects (row, username, nickname,
    /// answers, and its room code once per room), and 500 rows keep the table at 2,801 entries (67 KB) at most.
    /// </summary>
    public const int MaxRowsPerCall = 500;

    /// <summary>Rows the export grain puts in one stream item (<c>Research:ExportRowsPerChunk</c>).</summary>
    [ConfigurationKeyName("ExportRowsPerChunk")]
    [Range(1, MaxRowsPerCall)]
    public int RowsPerChunk { get; set; } = DefaultRowsPerChunk;

    /// <summary>Items Orleans may hand over in one call when they are ready (<c>Research:ExportChunksPerCall</c>).</summary>
    [ConfigurationKeyName("ExportChunksPerCall")]
    [Range(1, MaxRowsPerCall)]
    public int ChunksPerCall { get; set; } = DefaultChunksPerCall;

    /// <summary>How long an export waits for a client that stopped reading (<c>Research:ExportMaxStallSeconds</c>); zero: unpaced.</summary>
    [ConfigurationKeyName("ExportMaxStallSeconds")]
    [Range(0, 86_400)]
    public int MaxStallSeconds { get; set; } = DefaultMaxStallSeconds;

    public TimeSpan MaxStall => TimeSpan.FromSeconds(MaxStallSeconds);

    /// <summary>Whether start-up runs the export once, into nothing, so the first real one is as fast as the next (<c>Research:ExportWarmUp</c>; <see cref="ExportWarmUp"/>).</summary>
    [ConfigurationKeyName("ExportWarmUp")]
    public bool WarmUp { get; set; } = true;

    /// <summary>How many times start-up runs the warm-up (<c>Research:ExportWarmUpRounds</c>; <see cref="ExportWarmUp"/>).</summary>
    [ConfigurationKeyName("ExportWarmUpRounds")]
    [Range(1, 10)]
    public int WarmUpRounds { get; set; } = ExportWarmUp.DefaultRounds;
}

/// <summary>The rule across the two sizes: one call carries at most <see cref="ResearchExportSettings.MaxRowsPerCall"/> rows.</summary>
public sealed class ResearchExportSettingsValidator : IValidateOptions<ResearchExportSettings>
{
    public ValidateOptionsResult Validate(string? name, ResearchExportSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rows = options.RowsPerChunk * options.ChunksPerCall;
        return rows <= ResearchExportSettings.MaxRowsPerCall || options.RowsPerChunk > ResearchExportSettings.MaxRowsPerCall
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingsValidation.Failure(
                "Research:ExportChunksPerCall",
                $"times Research:ExportRowsPerChunk ({options.RowsPerChunk}) must be at most {ResearchExportSettings.MaxRowsPerCall} rows per call, not {rows}: larger messages make Orleans' serializer allocate large arrays for every call"));
    }
}

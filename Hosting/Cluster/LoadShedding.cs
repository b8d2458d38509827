using Dilemma.Hosting.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Dilemma.Hosting;

/// <summary>
/// Section <c>LoadShedding</c>: Orleans' own <see cref="LoadSheddingOptions"/>, bound as they are. Off by default. When on, a
/// silo whose CPU (its process's, smoothed) or memory (the GC's committed bytes against what the process may use) is over its
/// threshold turns away every message its gateway port receives before routing it; the gateway answers such a request 503
/// <c>cluster_unavailable</c>, having run nothing (<c>Tests/Failover/LoadSheddingTests.cs</c>).
/// </summary>
public static class LoadShedding
{
    public const string SectionName = "LoadShedding";

    public static ISiloBuilder UseLoadSheddingSettings(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOptions<LoadSheddingOptions>().BindSettings(SectionName, new LoadSheddingSettingsValidator());
        return silo;
    }
}

/// <summary>
/// Orleans checks the thresholds only when load shedding is on, and its error is not one line naming the setting: both are
/// checked here, on or off, so a wrong value stops start-up before it could matter.
/// </summary>
public sealed class LoadSheddingSettingsValidator : IValidateOptions<LoadSheddingOptions>
{
    public ValidateOptionsResult Validate(string? name, LoadSheddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(nameof(LoadSheddingOptions.CpuThreshold), options.CpuThreshold, failures);
        Check(nameof(LoadSheddingOptions.MemoryThreshold), options.MemoryThreshold, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(string key, int percent, List<string> failures)
    {
        if (percent is < 1 or > 100)
        {
            failures.Add(SettingsValidation.Failure($"{LoadShedding.SectionName}:{key}", $"is a percentage from 1 to 100, not {percent}"));
        }
    }
}

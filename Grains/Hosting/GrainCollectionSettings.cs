using System.ComponentModel.DataAnnotations;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Hosting;

/// <summary>
/// When idle activations are collected (section <c>Grains</c>), in embedded and cluster mode alike; the
/// README documents each setting. Grain types whose activations are worth less (tickets, throttles,
/// peers) say their own shorter age with <c>[CollectionAgeLimit]</c>.
/// </summary>
public sealed class GrainCollectionSettings
{
    public const string SectionName = "Grains";

    /// <summary>
    /// An activation nobody called for this long is deactivated. A room in a game hears from its sockets
    /// every <c>Realtime:RenewSeconds</c> and a waiting room keeps itself alive, so what this collects is
    /// rooms after their game, users between requests and sessions after class. Orleans' own default is 15 minutes.
    /// Below a minute it is for tests and measurements (a room between two socket renewals may be collected and re-learn them).
    /// </summary>
    [Range(5, 24 * 3600)]
    public int CollectionAgeSeconds { get; set; } = 5 * 60;

    /// <summary>
    /// How often idle activations are looked for. Orleans wants it below every collection age; the shortest
    /// <c>[CollectionAgeLimit]</c> (tickets, throttles, peers) is two minutes, above Orleans' own one-minute quantum, so
    /// a host that keeps Orleans' defaults (a test cluster) loads these grains too.
    /// </summary>
    [Range(1, 30)]
    public int CollectionQuantumSeconds { get; set; } = 30;

    public TimeSpan CollectionAge => TimeSpan.FromSeconds(CollectionAgeSeconds);

    public TimeSpan CollectionQuantum => TimeSpan.FromSeconds(CollectionQuantumSeconds);
}

/// <summary>Orleans refuses a collection age not above the quantum, with a stack trace: refused here first, as one line.</summary>
public sealed class GrainCollectionSettingsValidator : IValidateOptions<GrainCollectionSettings>
{
    public ValidateOptionsResult Validate(string? name, GrainCollectionSettings options) =>
        options.CollectionAgeSeconds > options.CollectionQuantumSeconds
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingsValidation.Failure(
                $"{GrainCollectionSettings.SectionName}:{nameof(GrainCollectionSettings.CollectionAgeSeconds)}",
                $"must be more than {GrainCollectionSettings.SectionName}:{nameof(GrainCollectionSettings.CollectionQuantumSeconds)} ({options.CollectionQuantumSeconds})"));
}

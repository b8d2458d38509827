using Dilemma.Hosting.Settings;
using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting;

/// <summary>
/// Where a silo or a gateway finds the rest of the cluster (section <c>Cluster</c>). The host reads it
/// while it is built (Orleans takes the ports then), so <see cref="Read"/> binds and checks it at once.
/// </summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Cluster";

    public string ServiceId { get; set; } = "dilemma";

    public string ClusterId { get; set; } = "dilemma";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and gateways reach this silo at; Orleans picks one when unset.</summary>
    public string? AdvertisedIp { get; set; }

    public IPAddress? AdvertisedAddress => string.IsNullOrWhiteSpace(AdvertisedIp) ? null : IPAddress.Parse(AdvertisedIp);

    public static ClusterSettings Read(IConfiguration configuration) =>
        configuration.ReadSettings(SectionName, new ClusterSettingsValidator());
}

public sealed class ClusterSettingsValidator : IValidateOptions<ClusterSettings>
{
    public ValidateOptionsResult Validate(string? name, ClusterSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.AdvertisedIp) || IPAddress.TryParse(options.AdvertisedIp, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingsValidation.Failure("Cluster:AdvertisedIp", $"must be an IP address, not '{options.AdvertisedIp}'"));
    }
}

/// <summary>
/// Section <c>ConnectionStrings</c>: Redis (membership) and MySQL (storage). Which are required depends on
/// what the process is (a cluster silo both, a cluster gateway Redis), so each host asks for what it needs.
/// </summary>
public sealed class ConnectionStringSettings
{
    public const string SectionName = "ConnectionStrings";
    public const string RedisKey = "ConnectionStrings:Redis";
    public const string MySqlKey = "ConnectionStrings:MySql";

    // Their passwords come from the same examples as the keys (MYSQL_PASSWORD, REDIS_PASSWORD), and are as public.
    [NotExamplePlaceholder]
    public string? Redis { get; set; }

    [NotExamplePlaceholder]
    public string? MySql { get; set; }

    /// <summary>The Redis connection string, or a stop at start-up when there is none.</summary>
    public string RequireRedis() => Present(Redis) ?? throw Missing(RedisKey);

    /// <summary>The MySQL connection string, or a stop at start-up when there is none.</summary>
    public string RequireMySql() => Present(MySql) ?? throw Missing(MySqlKey);

    public static ConnectionStringSettings Read(IConfiguration configuration) => configuration.ReadSettings<ConnectionStringSettings>(SectionName);

    private static string? Present(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static OptionsValidationException Missing(string key) =>
        new(SectionName, typeof(ConnectionStringSettings), [SettingsValidation.Failure(key, "is required in cluster mode")]);
}

using System.Net;
using Dilemma.Grains.Settings;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Grains.Hosting;

/// <summary>
/// Where a silo or a gateway finds the rest of the cluster. Read once at start-up from the
/// <c>Cluster</c> section and the connection strings; anything wrong stops start-up.
/// </summary>
public sealed record ClusterSettings(
    string ServiceId,
    string ClusterId,
    int SiloPort,
    int GatewayPort,
    IPAddress? AdvertisedIp,
    string? RedisConnectionString,
    string? MySqlConnectionString)
{
    public const string RedisKey = "ConnectionStrings:Redis";
    public const string MySqlKey = "ConnectionStrings:MySql";

    public static ClusterSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection("Cluster");
        return new ClusterSettings(
            NonEmpty(section, "ServiceId", "dilemma"),
            NonEmpty(section, "ClusterId", "dilemma"),
            Port(section, "SiloPort", 11111),
            Port(section, "GatewayPort", 30000),
            Address(section, "AdvertisedIp"),
            Blank(configuration[RedisKey]),
            Blank(configuration[MySqlKey]));
    }

    /// <summary>The Redis connection string, or a stop at start-up when there is none.</summary>
    public string RequireRedis() => RedisConnectionString ?? throw new InvalidSettingException(RedisKey, "is required in cluster mode");

    /// <summary>The MySQL connection string, or a stop at start-up when there is none.</summary>
    public string RequireMySql() => MySqlConnectionString ?? throw new InvalidSettingException(MySqlKey, "is required in cluster mode");

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string NonEmpty(IConfigurationSection section, string name, string fallback) =>
        Blank(section[name]) ?? fallback;

    private static int Port(IConfigurationSection section, string name, int fallback)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, out var port) && port is > 0 and <= 65535
            ? port
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be a port number from 1 to 65535, not '{text}'");
    }

    private static IPAddress? Address(IConfigurationSection section, string name)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be an IP address, not '{text}'");
    }
}

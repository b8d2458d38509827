using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting.Telemetry;

/// <summary>
/// Section <c>Telemetry</c>. It decides which exporters the host builds and which ports it listens on, so
/// the host reads it while it is being built (<see cref="ReadValid"/>); it is also bound and validated on
/// start like every other options class.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>An OTLP collector (gRPC, e.g. <c>http://otel-collector:4317</c>); traces and metrics go there when set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (port 4317, the default) or <c>http</c> (HTTP/protobuf, port 4318): how <see cref="OtlpEndpoint"/> is spoken to.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Record traces: by default only when they go somewhere (<see cref="OtlpEndpoint"/>), since recording costs on every request.</summary>
    public bool? Traces { get; set; }

    /// <summary>Listen addresses of the management port (<c>http://0.0.0.0:9464</c>), separated by <c>;</c>; unset means none.</summary>
    public string? MetricsUrls { get; set; }

    /// <summary>The Orleans dashboard: silos collect its data, cluster gateways serve it on the management port.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>The management listen addresses as Kestrel takes them.</summary>
    public IReadOnlyList<string> ManagementUrls => Split(MetricsUrls);

    /// <summary>The ports of <see cref="ManagementUrls"/>: only requests arriving on one of them reach <c>/metrics</c> and the dashboard.</summary>
    public IReadOnlySet<int> ManagementPorts => ManagementUrls.Select(url => PortOf(url) ?? 0).ToHashSet();

    public bool HasManagementPort => ManagementUrls.Count > 0;

    public bool HasOtlp => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    public bool TracesEnabled => Traces ?? HasOtlp;

    /// <summary>Metrics are collected when something reads them: the scrape endpoint or an OTLP collector.</summary>
    public bool MetricsEnabled => HasManagementPort || HasOtlp;

    /// <summary>Binds the section and stops start-up with one line naming the setting when a value is wrong.</summary>
    public static TelemetryOptions ReadValid(IConfiguration configuration) =>
        configuration.ReadSettings(SectionName, new TelemetryOptionsValidator());

    /// <summary>The first thing wrong with the options, as the setting's key and what it must be.</summary>
    public static (string Key, string Message)? Problem(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            && !(Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https"))
        {
            return ($"{SectionName}:OtlpEndpoint", $"must be an http(s) URL such as http://otel-collector:4317, not '{options.OtlpEndpoint}'");
        }

        if (options.OtlpProtocol is not ("grpc" or "http"))
        {
            return ($"{SectionName}:OtlpProtocol", $"must be grpc or http, not '{options.OtlpProtocol}'");
        }

        foreach (var url in Split(options.MetricsUrls))
        {
            // The port tells the management listener from the public one, so it must be given and fixed.
            if (PortOf(url) is not (> 0 and <= 65535))
            {
                return ($"{SectionName}:MetricsUrls", $"must be http:// listen addresses with a fixed port, such as http://0.0.0.0:9464, not '{url}'");
            }
        }

        return null;
    }

    private static List<string> Split(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The explicit port of an http:// listen address, or null.</summary>
    private static int? PortOf(string url)
    {
        // Kestrel accepts http://+:9464 and http://*:9464 (every address), which Uri does not parse.
        var parsable = url.Replace("//+", "//any", StringComparison.Ordinal).Replace("//*", "//any", StringComparison.Ordinal);
        return Uri.TryCreate(parsable, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/" && !uri.IsDefaultPort
            ? uri.Port
            : null;
    }
}

/// <summary>The same checks for the bound options, on start.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
        TelemetryOptions.Problem(options) is { } problem
            ? ValidateOptionsResult.Fail(SettingsValidation.Failure(problem.Key, problem.Message))
            : ValidateOptionsResult.Success;
}

using System.Globalization;

namespace Dilemma.Hosting;

/// <summary>
/// <c>healthcheck [path]</c>: asks this container's own HTTP port for a health endpoint and exits 0 when it
/// answers 2xx, 1 otherwise. The .NET runtime images have no curl or wget, so Docker's HEALTHCHECK runs the
/// app itself in this mode; it starts no host and reads only the listening port from the environment.
/// </summary>
public static class HealthProbe
{
    public const string Command = "healthcheck";
    public const string DefaultPath = "/health/ready";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    public static async Task<int> RunAsync(string[] arguments, Func<string, string?> environment, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(output);
        var path = arguments is [_, { Length: > 0 } given, ..] ? given : DefaultPath;
        var url = new Uri(new Uri($"http://127.0.0.1:{ListeningPort(environment)}"), path);
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            await output.WriteLineAsync($"{url.AbsolutePath}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"{url.AbsolutePath}: no answer ({e.GetType().Name})");
            return 1;
        }
    }

    /// <summary>The port Kestrel listens on: <c>ASPNETCORE_HTTP_PORTS</c> (set by the images), else the first <c>ASPNETCORE_URLS</c> entry, else 8080.</summary>
    public static int ListeningPort(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("ASPNETCORE_HTTP_PORTS") is { Length: > 0 } ports
            && int.TryParse(ports.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return port;
        }

        if (environment("ASPNETCORE_URLS") is { Length: > 0 } urls)
        {
            var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
            // Kestrel accepts "http://+:80" and "http://*:80", which Uri does not.
            var parsable = first.Replace("//+", "//localhost", StringComparison.Ordinal).Replace("//*", "//localhost", StringComparison.Ordinal);
            if (Uri.TryCreate(parsable, UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        return 8080;
    }
}

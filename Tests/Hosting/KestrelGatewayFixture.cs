namespace Dilemma.Tests.Hosting;

/// <summary>An embedded-mode gateway on real Kestrel, for WebSocket clients; shared by a test class.</summary>
public class KestrelGatewayFixture : IAsyncLifetime
{
    public KestrelGatewayFixture()
        : this(null)
    {
    }

    /// <summary>For fixtures of a gateway configured with more settings (see <see cref="GatewayFactory"/>).</summary>
    protected KestrelGatewayFixture(IDictionary<string, string?>? settings) => Factory = new GatewayFactory(settings);

    public GatewayFactory Factory { get; }

    public Uri Address { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => Factory.Services;

    public ValueTask InitializeAsync()
    {
        Address = Factory.StartKestrel();
        Client = new HttpClient { BaseAddress = Address };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();

        // Sockets fail quietly from a client's point of view; an exception the gateway logged is
        // still a bug, so every class of socket tests ends by checking there was none.
        var errors = Factory.Logs.Lines.Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The gateway logged {errors.Count} error(s) during the tests; the first: {errors[0]}");
        }
    }
}

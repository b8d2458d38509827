namespace Dilemma.Tests.Hosting;

/// <summary>An embedded-mode gateway on real Kestrel, for WebSocket clients; shared by a test class.</summary>
public sealed class KestrelGatewayFixture : IAsyncLifetime
{
    public GatewayFactory Factory { get; } = new();

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
    }
}

namespace Dilemma.Tests.Hosting;

/// <summary>One embedded-mode gateway (with its in-process silo) shared by a test class.</summary>
public sealed class EmbeddedGatewayFixture : IAsyncLifetime
{
    public GatewayFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains => (IGrainFactory)Factory.Services.GetService(typeof(IGrainFactory))!;

    public ValueTask InitializeAsync()
    {
        Client = Factory.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }
}

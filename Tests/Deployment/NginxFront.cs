using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// The compose topology on loopback: a silo on the test MariaDB and Redis (ClusterDeployment), two gateway processes
/// configured as compose configures them, and Debian's nginx with the repository's templates in front, TLS on
/// (a self-signed certificate for 127.0.0.1) so that both the redirect and HTTPS are real. Shared by a test class.
/// </summary>
public sealed class NginxFront(LocalServices services) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly HostProcess?[] _gateways = new HostProcess?[2];
    private string _directory = "";
    private string _thumbprint = "";
    private ServerProcess? _nginx;

    public ClusterDeployment Deployment { get; private set; } = null!;

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public string AcmeRoot { get; private set; } = "";

    public IReadOnlyList<HostProcess?> Gateways => _gateways;

    private Dictionary<string, string> GatewaySettings => new()
    {
        ["Cluster__Mode"] = "Cluster",
        ["ConnectionStrings__Redis"] = Deployment.RedisConnectionString,
        ["Cluster__ServiceId"] = Deployment.ServiceId,
        ["Cluster__ClusterId"] = Deployment.ServiceId,
        ["Auth__JwtKey"] = GatewayFactory.JwtKey,

        // Compose trusts Docker's networks, where its nginx is; here nginx is on loopback.
        ["Edge__TrustedProxies__0"] = "127.0.0.1",
    };

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _directory = RunDirectory.Create();
        Deployment = await ClusterDeployment.StartAsync(services, "nginx_", silos: 1, ct);
        var ports = new[] { FreePort.Next(), FreePort.Next() };
        await Task.WhenAll(ports.Select((port, i) => StartGatewayAsync(i, port, ct)));

        HttpPort = FreePort.Next();
        HttpsPort = FreePort.Next();
        var variables = NginxConfigTests.Variables(_directory, "on", HttpPort, HttpsPort, _gateways[0]!.Address, _gateways[1]!.Address);
        _thumbprint = NginxConfigTests.WriteSelfSignedCertificate(variables["DILEMMA_TLS_CERTIFICATE"], variables["DILEMMA_TLS_CERTIFICATE_KEY"]);
        AcmeRoot = variables["DILEMMA_ACME_ROOT"];
        var main = NginxSite.Render(_directory, variables);
        _nginx = ServerProcess.Start("nginx", NginxSite.Executable(), NginxSite.Arguments(main), _directory);
        await _nginx.WaitUntilReadyAsync(AnswersAsync, StartTimeout, ct);
    }

    /// <summary>Everything nginx wrote: its error log and the access log (both to its stdout and stderr).</summary>
    public string NginxOutput() => _nginx?.Output() ?? "";

    /// <summary>An HTTPS client for nginx that trusts exactly this fixture's certificate, and follows no redirects.</summary>
    public HttpClient Https() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusted(certificate) },
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{HttpsPort}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public HttpClient Http() => new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async Task<ClientWebSocket> ConnectWebSocketAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => Trusted(certificate);
        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{HttpsPort}{pathAndQuery}"), cancellationToken);
        return socket;
    }

    /// <summary>
    /// Kills a gateway and waits until it is gone: requests it had already accepted die with it
    /// (as they would in production); the test is about the requests that come after.
    /// </summary>
    public Task KillGatewayAsync(int index, CancellationToken cancellationToken) => _gateways[index]!.KillAsync(cancellationToken);

    /// <summary>Brings a killed gateway back on its port, so the class's other tests find two again.</summary>
    public async Task RestartGatewayAsync(int index, CancellationToken cancellationToken)
    {
        var port = _gateways[index]!.Port;
        await _gateways[index]!.DisposeAsync();
        _gateways[index] = null;
        await StartGatewayAsync(index, port, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        foreach (var gateway in _gateways)
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }
        }

        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }

        if (_directory.Length > 0)
        {
            RunDirectory.Delete(_directory);
        }
    }

    private async Task StartGatewayAsync(int index, int port, CancellationToken cancellationToken) =>
        _gateways[index] = await HostProcess.StartGatewayAsync(Path.Combine(_directory, $"gateway-{index + 1}"), port, GatewaySettings, cancellationToken);

    private bool Trusted(System.Security.Cryptography.X509Certificates.X509Certificate? certificate) =>
        certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), _thumbprint, StringComparison.OrdinalIgnoreCase);

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, HttpsPort, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

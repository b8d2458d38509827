using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Deployment;

/// <summary>Debian's nginx accepts the repository's config in both TLS modes (nginx -t), as the image renders it.</summary>
public sealed class NginxConfigTests
{
    [Theory]
    [InlineData("on")]
    [InlineData("off")]
    public async Task Nginx_accepts_the_rendered_config(string tls)
    {
        var directory = RunDirectory.Create();
        try
        {
            var main = NginxSite.Render(directory, Variables(directory, tls, FreePort.Next(), FreePort.Next(), "127.0.0.1:1", "127.0.0.1:2"));
            var result = await Command.RunAsync(NginxSite.Executable(), ["-t", .. NginxSite.Arguments(main)[..^2]], directory, TimeSpan.FromSeconds(30));

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("test is successful", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }

    [Fact]
    public void Every_template_variable_is_one_of_ours()
    {
        Assert.All(NginxSite.TemplateVariables(), name => Assert.StartsWith("DILEMMA_", name, StringComparison.Ordinal));
    }

    /// <summary>The template variables for loopback: what compose sets to 80, 443 and gateway-N:8080.</summary>
    internal static Dictionary<string, string> Variables(string directory, string tls, int httpPort, int httpsPort, string gateway1, string gateway2)
    {
        var certificate = Path.Combine(directory, "certificate.pem");
        var key = Path.Combine(directory, "key.pem");
        if (!File.Exists(certificate))
        {
            WriteSelfSignedCertificate(certificate, key);
        }

        return new Dictionary<string, string>
        {
            ["DILEMMA_HTTP_LISTEN"] = $"127.0.0.1:{httpPort}",
            ["DILEMMA_HTTPS_LISTEN"] = $"127.0.0.1:{httpsPort}",
            ["DILEMMA_SERVER_NAME"] = "_",
            ["DILEMMA_GATEWAY_1"] = gateway1,
            ["DILEMMA_GATEWAY_2"] = gateway2,
            ["DILEMMA_TLS"] = tls,
            ["DILEMMA_TLS_CERTIFICATE"] = certificate,
            ["DILEMMA_TLS_CERTIFICATE_KEY"] = key,
            ["DILEMMA_ACME_ROOT"] = Directory.CreateDirectory(Path.Combine(directory, "acme")).FullName,
        };
    }

    /// <summary>A certificate for 127.0.0.1 and localhost, valid for a day; returns its SHA-256 thumbprint.</summary>
    internal static string WriteSelfSignedCertificate(string certificatePath, string keyPath)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }
}

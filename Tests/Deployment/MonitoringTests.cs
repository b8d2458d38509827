using Dilemma.Hosting.Telemetry;
using Dilemma.Tests.Infrastructure;
using k8s.Models;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// The operators' side of telemetry: the alert rules are valid Prometheus rules, and the pods are scraped on the
/// port the hosts serve <c>/metrics</c> on, which no Service exposes.
/// </summary>
public sealed class MonitoringTests
{
    public static TheoryData<string> Overlays => new() { "lab", "managed" };

    [Fact]
    public async Task The_alert_rules_pass_promtool()
    {
        var rules = Repository.PathOf("k8s", "monitoring", "alerts.yaml");
        var result = await Command.RunAsync(Executables.Find("promtool"), ["check", "rules", rules], Path.GetDirectoryName(rules)!, TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches(@"SUCCESS: \d+ rules found", result.Output);
    }

    /// <summary>promtool's rule tests: "fewer than two silos" must also fire when none is up, where count() has no sample.</summary>
    [Theory]
    [InlineData("0x10", "0x10", true)]
    [InlineData("1x10", "0x10", true)]
    [InlineData("1x10", "1x10", false)]
    public async Task Fewer_than_two_silos_up_fires_the_alert_even_when_none_is(string first, string second, bool fires)
    {
        var rules = Repository.PathOf("k8s", "monitoring", "alerts.yaml");
        var alert = new YamlDotNet.Serialization.DeserializerBuilder()
            .WithNamingConvention(YamlDotNet.Serialization.NamingConventions.CamelCaseNamingConvention.Instance)
            .IgnoreUnmatchedProperties()
            .Build()
            .Deserialize<AlertRules>(await File.ReadAllTextAsync(rules, TestContext.Current.CancellationToken))
            .Groups.SelectMany(g => g.Rules).Single(r => r.Alert == "DilemmaSilosBelowExpected");
        var expected = fires ? new[] { new { exp_labels = alert.Labels, exp_annotations = alert.Annotations } } : [];

        // JSON is YAML: promtool reads the test file as written here.
        var unitTest = new
        {
            rule_files = new[] { rules },
            evaluation_interval = "1m",
            tests = new[]
            {
                new
                {
                    interval = "1m",
                    input_series = new[]
                    {
                        new { series = "up{job=\"dilemma-silo\", instance=\"silo-a\"}", values = first },
                        new { series = "up{job=\"dilemma-silo\", instance=\"silo-b\"}", values = second },
                    },
                    alert_rule_test = new[] { new { eval_time = "7m", alertname = alert.Alert, exp_alerts = expected } },
                },
            },
        };
        var directory = RunDirectory.Create();
        try
        {
            var test = Path.Combine(directory, "silos-test.yaml");
            await File.WriteAllTextAsync(test, System.Text.Json.JsonSerializer.Serialize(unitTest), TestContext.Current.CancellationToken);
            var result = await Command.RunAsync(Executables.Find("promtool"), ["test", "rules", test], directory, TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 0, result.Output);
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }

    private sealed class AlertRules
    {
        public List<AlertGroup> Groups { get; set; } = [];
    }

    private sealed class AlertGroup
    {
        public List<AlertRule> Rules { get; set; } = [];
    }

    private sealed class AlertRule
    {
        public string? Alert { get; set; }

        public Dictionary<string, string> Labels { get; set; } = [];

        public Dictionary<string, string> Annotations { get; set; } = [];
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Pods_are_scraped_on_the_management_port_the_hosts_listen_on(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        foreach (var (name, dockerfile) in new[] { ("dilemma-silo", "Dockerfile.silo"), ("dilemma-gateway", "Dockerfile.gateway") })
        {
            var workload = manifests.Named<V1Deployment>(name);
            var container = Assert.Single(workload.Spec.Template.Spec.Containers);
            var annotations = workload.Spec.Template.Metadata.Annotations;
            var metricsPort = Assert.Single(container.Ports, p => p.Name == "metrics").ContainerPort;

            Assert.Equal("true", annotations["prometheus.io/scrape"]);
            Assert.Equal(TelemetryHosting.MetricsPath, annotations["prometheus.io/path"]);
            Assert.Equal(metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);

            var environment = manifests.Environment(container, Dockerfile.Load(dockerfile).FinalEnvironment, workload.Metadata.NamespaceProperty ?? "dilemma");
            var options = TelemetryOptions.ReadValid(new ConfigurationBuilder().AddInMemoryCollection(Repository.AsConfiguration(environment)).Build());
            Assert.Equal([metricsPort], options.ManagementPorts);

            // The management port stays inside the cluster: no Service points at it.
            foreach (var service in manifests.All<V1Service>())
            {
                Assert.DoesNotContain(service.Spec.Ports, p => p.TargetPort?.Value == "metrics" || p.Port == metricsPort);
            }
        }

        var silo = manifests.Named<V1Deployment>("dilemma-silo");
        var siloEnvironment = manifests.Environment(Assert.Single(silo.Spec.Template.Spec.Containers), Dockerfile.Load("Dockerfile.silo").FinalEnvironment, silo.Metadata.NamespaceProperty);
        var view = await AppHosts.SiloAsync(siloEnvironment);
        Assert.Contains(TelemetryHosting.MetricsPath, view.Routes);
    }
}

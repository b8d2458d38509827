using Dilemma.Gateway.Hosting;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using MySqlConnector;
using Orleans.Hosting.Kubernetes;
using StackExchange.Redis;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// k8s/ rendered per overlay and held against the code: the schema, what Orleans' Kubernetes hosting reads, what the
/// hosts need to start, ports, probes, security, and the objects that point at each other.
/// </summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Overlays => new() { "lab", "managed" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_object_passes_the_Kubernetes_API_schema(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var validator = await KubernetesSchema.ValidatorAsync();
        var file = Path.Combine(RunDirectory.Create(), "manifests.yaml");
        try
        {
            await File.WriteAllTextAsync(file, manifests.Yaml, TestContext.Current.CancellationToken);
            var result = await Command.RunAsync(Executables.Find("node"), [validator, file], Path.GetDirectoryName(validator)!, TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"{manifests.Objects.Count} objects, 0 invalid", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            RunDirectory.Delete(Path.GetDirectoryName(file)!);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Silo_pods_carry_the_orleans_labels_of_the_configured_ids_and_selectors_do_not(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var config = manifests.Generated<V1ConfigMap>("dilemma-config").Data;
        var silo = manifests.Named<V1Deployment>("dilemma-silo");
        var labels = silo.Spec.Template.Metadata.Labels;

        Assert.Equal(config["Cluster__ServiceId"], labels[KubernetesHostingOptions.ServiceIdLabel]);
        Assert.Equal(config["Cluster__ClusterId"], labels[KubernetesHostingOptions.ClusterIdLabel]);
        // Orleans' hosting patches these labels on running pods; in a selector that would orphan the pods.
        Assert.DoesNotContain(silo.Spec.Selector.MatchLabels.Keys, key => key.StartsWith("orleans/", StringComparison.Ordinal));
        foreach (var other in manifests.All<V1Deployment>().Where(d => d != silo).Select(d => d.Spec.Template.Metadata.Labels)
            .Concat(manifests.All<V1StatefulSet>().Select(s => s.Spec.Template.Metadata.Labels)))
        {
            Assert.DoesNotContain(other.Keys, key => key.StartsWith("orleans/", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Silo_pods_give_Orleans_Kubernetes_hosting_what_it_reads_and_the_access_it_needs(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var silo = manifests.Named<V1Deployment>("dilemma-silo");
        var pod = silo.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        var fields = container.Env.Where(e => e.ValueFrom?.FieldRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.FieldRef.FieldPath);

        Assert.Equal("metadata.name", fields[KubernetesHostingOptions.PodNameEnvironmentVariable]);
        Assert.Equal("metadata.namespace", fields[KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);
        Assert.Equal("status.podIP", fields[KubernetesHostingOptions.PodIPEnvironmentVariable]);
        // The ids come from Cluster__* only (KubernetesIdentity refuses a disagreeing ORLEANS_* at start-up).
        Assert.DoesNotContain(container.Env, e => e.Name is KubernetesHostingOptions.ServiceIdEnvironmentVariable or KubernetesHostingOptions.ClusterIdEnvironmentVariable);

        // It reads and patches its own pod, and lists and watches the cluster's pods (KubernetesClusterAgent).
        Assert.True(pod.AutomountServiceAccountToken);
        var account = manifests.Named<V1ServiceAccount>(pod.ServiceAccountName);
        var binding = Assert.Single(manifests.All<V1RoleBinding>(), b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name));
        Assert.Equal("Role", binding.RoleRef.Kind);
        var rule = Assert.Single(manifests.Named<V1Role>(binding.RoleRef.Name).Rules);
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "patch", "watch"], rule.Verbs.Order(StringComparer.Ordinal));
        Assert.Equal("dilemma", manifests.Named<V1Namespace>("dilemma").Metadata.Name);
        Assert.All(new IKubernetesObject<V1ObjectMeta>[] { silo, account, binding }, o => Assert.Equal("dilemma", o.Metadata.NamespaceProperty));

        var gateway = manifests.Named<V1Deployment>("dilemma-gateway").Spec.Template.Spec;
        Assert.False(gateway.AutomountServiceAccountToken);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Silos_start_with_what_the_pod_and_image_give_them_and_stop_within_the_grace_period(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var silo = manifests.Named<V1Deployment>("dilemma-silo");
        var pod = silo.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        var environment = manifests.Environment(container, Dockerfile.Load("Dockerfile.silo").FinalEnvironment, silo.Metadata.NamespaceProperty);

        var view = await AppHosts.SiloAsync(environment);

        Assert.Equal(silo.Spec.Template.Metadata.Labels[KubernetesHostingOptions.ServiceIdLabel], view.Cluster.ServiceId);
        Assert.Equal(silo.Spec.Template.Metadata.Labels[KubernetesHostingOptions.ClusterIdLabel], view.Cluster.ClusterId);
        Assert.Equal(Port(container, "silo"), view.Endpoints.SiloPort);
        Assert.Equal(Port(container, "orleans-gateway"), view.Endpoints.GatewayPort);
        Assert.Equal(Port(container, "http").ToString(System.Globalization.CultureInfo.InvariantCulture), environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal("false", environment["Database__MigrateOnStart"]);
        Assert.Equal(TimeSpan.FromSeconds(int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"], System.Globalization.CultureInfo.InvariantCulture)), view.Host.ShutdownTimeout);
        Assert.True(view.Host.ShutdownTimeout + TimeSpan.FromSeconds(15) <= TimeSpan.FromSeconds(pod.TerminationGracePeriodSeconds!.Value), "the kubelet's SIGKILL must come well after the host's shutdown timeout");

        var migrate = Assert.Single(pod.InitContainers);
        Assert.Equal(container.Image, migrate.Image);
        Assert.Equal(["migrate"], migrate.Args);
        Assert.NotNull(Dilemma.Hosting.ConnectionStringSettings.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(Repository.AsConfiguration(manifests.Environment(migrate, Dockerfile.Load("Dockerfile.silo").FinalEnvironment, "dilemma"))).Build()).RequireMySql());
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Gateways_start_in_cluster_mode_with_the_silos_ids(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var gateway = manifests.Named<V1Deployment>("dilemma-gateway");
        var container = Assert.Single(gateway.Spec.Template.Spec.Containers);
        var environment = manifests.Environment(container, Dockerfile.Load("Dockerfile.gateway").FinalEnvironment, "dilemma");

        var view = AppHosts.Gateway(environment);

        var labels = manifests.Named<V1Deployment>("dilemma-silo").Spec.Template.Metadata.Labels;
        Assert.Equal(GatewayMode.Cluster, view.Mode);
        Assert.Equal(labels[KubernetesHostingOptions.ServiceIdLabel], view.Cluster.ServiceId);
        Assert.Equal(labels[KubernetesHostingOptions.ClusterIdLabel], view.Cluster.ClusterId);
        Assert.False(view.Jwt.KeyWasGenerated);
        Assert.Equal(Port(container, "http").ToString(System.Globalization.CultureInfo.InvariantCulture), environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.True(TimeSpan.FromSeconds(int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"], System.Globalization.CultureInfo.InvariantCulture) + container.Lifecycle.PreStop.Sleep.Seconds)
            < TimeSpan.FromSeconds(gateway.Spec.Template.Spec.TerminationGracePeriodSeconds!.Value));
    }

    [Fact]
    public async Task Probes_ask_real_endpoints_on_the_HTTP_port()
    {
        var manifests = await KubernetesManifests.RenderAsync("lab");
        var siloContainer = Assert.Single(manifests.Named<V1Deployment>("dilemma-silo").Spec.Template.Spec.Containers);
        var gatewayContainer = Assert.Single(manifests.Named<V1Deployment>("dilemma-gateway").Spec.Template.Spec.Containers);
        var siloRoutes = (await AppHosts.SiloAsync(manifests.Environment(siloContainer, Dockerfile.Load("Dockerfile.silo").FinalEnvironment, "dilemma"))).Routes;
        await using var gateway = new GatewayFactory();
        var gatewayRoutes = AppHosts.Routes(gateway.Services);
        using var client = gateway.CreateClient();

        foreach (var (container, routes) in new[] { (siloContainer, siloRoutes), (gatewayContainer, gatewayRoutes) })
        {
            var probes = new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }.Where(p => p is not null).ToList();
            Assert.Equal(3, probes.Count);
            Assert.Equal("/health", container.LivenessProbe.HttpGet.Path);
            // Both listen only after their start-up work (the gateway: a silo found, the export warmed up), which can
            // take minutes when the whole cluster starts: liveness must not count until then.
            Assert.True(container.StartupProbe.PeriodSeconds * container.StartupProbe.FailureThreshold >= 120, $"{container.Name}: the startup probe gives up within 2 minutes");
            foreach (var probe in probes)
            {
                Assert.Equal("http", probe.HttpGet.Port.Value);
                Assert.Contains(probe.HttpGet.Path, routes);
            }
        }

        // Silos are ready when their databases answer; a gateway is routed to while it reaches a silo, as MySQL and Redis
        // are every gateway's alike (UnreachableDatabaseTests shows /health/serving staying 200 while MySQL is down).
        Assert.Equal("/health/ready", siloContainer.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health/serving", gatewayContainer.ReadinessProbe.HttpGet.Path);

        // And the gateway answers them (embedded mode here; the same endpoints in cluster mode).
        foreach (var path in new[] { gatewayContainer.ReadinessProbe.HttpGet.Path, gatewayContainer.LivenessProbe.HttpGet.Path })
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(path, TestContext.Current.CancellationToken)).StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_pod_runs_as_non_root_without_privileges_and_app_pods_with_a_read_only_root(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var pods = manifests.All<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(manifests.All<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template.Spec)));

        foreach (var (name, pod) in pods)
        {
            Assert.True(pod.SecurityContext.RunAsNonRoot, $"{name} may run as root");
            Assert.True(pod.SecurityContext.RunAsUser > 0, $"{name} has no non-root user id");
            Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                Assert.False(container.SecurityContext.AllowPrivilegeEscalation, $"{name}/{container.Name}");
                Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
                if (name.StartsWith("dilemma-", StringComparison.Ordinal))
                {
                    // The .NET images' app user, and the only writable place, /tmp.
                    Assert.Equal(1654, pod.SecurityContext.RunAsUser);
                    Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, $"{name}/{container.Name}");
                    Assert.Contains(container.VolumeMounts, m => m.MountPath == "/tmp" && pod.Volumes.Single(v => v.Name == m.Name).EmptyDir is not null);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Service_ingress_budgets_and_autoscalers_point_at_real_workloads(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var gateway = manifests.Named<V1Deployment>("dilemma-gateway");
        var service = manifests.Named<V1Service>("dilemma-gateway");
        var servicePort = Assert.Single(service.Spec.Ports);

        Assert.True(Matches(service.Spec.Selector, gateway.Spec.Template.Metadata.Labels));
        Assert.Contains(Assert.Single(gateway.Spec.Template.Spec.Containers).Ports, p => p.Name == servicePort.TargetPort.Value);
        Assert.Equal("None", service.Spec.SessionAffinity);

        var ingress = Assert.Single(manifests.All<V1Ingress>());
        var backend = Assert.Single(Assert.Single(ingress.Spec.Rules).Http.Paths).Backend.Service;
        Assert.Equal(service.Metadata.Name, backend.Name);
        Assert.Equal(servicePort.Name, backend.Port.Name);
        Assert.Equal("nginx", ingress.Spec.IngressClassName);
        var annotations = ingress.Metadata.Annotations;
        Assert.Equal("86400", annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]);
        Assert.Equal("86400", annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]);
        Assert.Equal("128k", annotations["nginx.ingress.kubernetes.io/proxy-body-size"]);
        Assert.Contains("client_max_body_size 128k;", await File.ReadAllTextAsync(Path.Combine(NginxSite.TemplateDirectory, "default.conf.template"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(Assert.Single(ingress.Spec.Rules).Host, Assert.Single(Assert.Single(ingress.Spec.Tls).Hosts));

        foreach (var deployment in manifests.All<V1Deployment>())
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            Assert.True(Matches(deployment.Spec.Selector.MatchLabels, labels));
            Assert.Equal(0, int.Parse(deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Single(manifests.All<V1PodDisruptionBudget>(), b => Matches(b.Spec.Selector.MatchLabels, labels));
            var autoscaler = Assert.Single(manifests.All<V2HorizontalPodAutoscaler>(), h => h.Spec.ScaleTargetRef.Name == deployment.Metadata.Name);
            // The autoscaler owns the count: a replicas field would be applied again by every `kubectl apply`.
            Assert.Null(deployment.Spec.Replicas);
            Assert.Equal("Deployment", autoscaler.Spec.ScaleTargetRef.Kind);
            Assert.True(autoscaler.Spec.MinReplicas >= 2);
            Assert.Equal("cpu", Assert.Single(autoscaler.Spec.Metrics).Resource.Name);
            Assert.All(deployment.Spec.Template.Spec.Containers, c => Assert.True(c.Resources.Requests.ContainsKey("cpu"), $"{deployment.Metadata.Name}: the autoscaler measures CPU against the request"));
        }

        // docs/deploy.md upgrades silos first with `kubectl apply -k … -l 'app.kubernetes.io/component!=gateway'`: that must
        // leave out the gateway Deployment alone.
        Assert.Equal(
            ["Deployment/dilemma-gateway"],
            manifests.Objects.OfType<IKubernetesObject<V1ObjectMeta>>()
                .Where(o => o.Metadata.Labels?.TryGetValue("app.kubernetes.io/component", out var component) == true && component == "gateway")
                .Select(o => $"{o.Kind}/{o.Metadata.Name}"));
    }

    /// <summary>
    /// The Orleans ports believe whatever a connecting client says (a grain trusts the user id it is called with), so a
    /// network plugin enforcing these policies must let in only the cluster's own pods, the ingress and Prometheus.
    /// Decided here as the plugin would: a pod selected by no policy takes anything; one selected takes what a rule allows.
    /// </summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Network_policies_let_in_only_what_the_application_needs(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var policies = manifests.All<V1NetworkPolicy>().ToList();
        var silo = Peer.Of(manifests.Named<V1Deployment>("dilemma-silo").Spec.Template);
        var gateway = Peer.Of(manifests.Named<V1Deployment>("dilemma-gateway").Spec.Template);
        var neighbour = new Peer("dilemma", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "debug-shell" }, NoPorts);
        var outsider = new Peer("another-team", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "their-app" }, NoPorts);
        var ingress = new Peer("ingress-nginx", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "ingress-nginx" }, NoPorts);
        var prometheus = new Peer("monitoring", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "prometheus" }, NoPorts);

        Assert.All(policies, policy => Assert.Equal(["Ingress"], policy.Spec.PolicyTypes));
        Assert.All(
            new[] { (silo, silo, "silo"), (silo, silo, "orleans-gateway"), (gateway, silo, "orleans-gateway"), (ingress, gateway, "http"), (prometheus, silo, "metrics"), (prometheus, gateway, "metrics") },
            allowed => Assert.True(Admits(policies, allowed.Item1, allowed.Item2, allowed.Item3), $"{allowed.Item1} cannot reach {allowed.Item2} on {allowed.Item3}"));
        Assert.All(
            new[]
            {
                (gateway, silo, "silo"), (neighbour, silo, "orleans-gateway"), (outsider, silo, "orleans-gateway"), (ingress, silo, "orleans-gateway"),
                (neighbour, gateway, "http"), (outsider, gateway, "http"), (ingress, gateway, "metrics"), (outsider, silo, "metrics"),
            },
            denied => Assert.False(Admits(policies, denied.Item1, denied.Item2, denied.Item3), $"{denied.Item1} can reach {denied.Item2} on {denied.Item3}"));

        foreach (var database in manifests.All<V1StatefulSet>())
        {
            var target = Peer.Of(database.Spec.Template);
            var port = Assert.Single(target.Ports).Key;
            var clients = database.Metadata.Name == "mysql" ? new[] { silo } : [silo, gateway];
            Assert.All(clients, client => Assert.True(Admits(policies, client, target, port), $"{client} cannot reach {target}"));
            Assert.All(
                new[] { neighbour, outsider, ingress }.Concat(database.Metadata.Name == "mysql" ? [gateway] : []),
                other => Assert.False(Admits(policies, other, target, port), $"{other} can reach {target}"));
        }
    }

    /// <summary>docs/deploy.md says to put the TURN and AI providers' secrets in secrets.env: each host that reads one gets it from there, and only that one.</summary>
    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_providers_secrets_in_secrets_env_reach_the_hosts_that_read_them(string overlay)
    {
        var manifests = await KubernetesManifests.RenderAsync(overlay);
        var gateway = Assert.Single(manifests.Named<V1Deployment>("dilemma-gateway").Spec.Template.Spec.Containers);
        var silo = Assert.Single(manifests.Named<V1Deployment>("dilemma-silo").Spec.Template.Spec.Containers);
        var secret = manifests.Generated<V1Secret>("dilemma-secrets").Metadata.Name;

        foreach (var (container, key) in new[] { (gateway, "Ice__Coturn__Secret"), (gateway, "Ice__Twilio__AuthToken"), (gateway, "Ice__Twilio__ApiKeySecret"), (silo, "Ai__OpenAi__ApiKey") })
        {
            var reference = Assert.Single(container.Env, e => e.Name == key).ValueFrom.SecretKeyRef;
            Assert.Equal((secret, key, true), (reference.Name, reference.Key, reference.Optional));
        }

        // Key by key: a gateway is never handed the database's password.
        Assert.Null(gateway.EnvFrom?.FirstOrDefault(source => source.SecretRef is not null));
        Assert.DoesNotContain(gateway.Env, e => e.Name == "ConnectionStrings__MySql");
    }

    [Fact]
    public async Task The_lab_databases_are_where_the_connection_strings_say_with_the_same_passwords()
    {
        var manifests = await KubernetesManifests.RenderAsync("lab");
        var secret = manifests.SecretData(manifests.Generated<V1Secret>("dilemma-secrets").Metadata.Name);
        var mysql = new MySqlConnectionStringBuilder(secret["ConnectionStrings__MySql"]);
        var redis = ConfigurationOptions.Parse(secret["ConnectionStrings__Redis"]);
        var redisEndpoint = (System.Net.DnsEndPoint)Assert.Single(redis.EndPoints);

        AssertServed(manifests, mysql.Server, (int)mysql.Port);
        AssertServed(manifests, redisEndpoint.Host, redisEndpoint.Port);
        var mysqlEnvironment = manifests.Environment(Assert.Single(manifests.Named<V1StatefulSet>("mysql").Spec.Template.Spec.Containers), new Dictionary<string, string>(), "dilemma");
        Assert.Equal(mysqlEnvironment["MYSQL_DATABASE"], mysql.Database);
        Assert.Equal(mysqlEnvironment["MYSQL_USER"], mysql.UserID);
        Assert.Equal(mysqlEnvironment["MYSQL_PASSWORD"], mysql.Password);
        Assert.Equal(secret["REDIS_PASSWORD"], redis.Password);
    }

    /// <summary>Running silos never write their membership rows again: a restarted Redis container must find the table in /data (#16).</summary>
    [Fact]
    public async Task The_lab_Redis_keeps_the_membership_table_in_an_append_only_file_in_its_data_volume()
    {
        var manifests = await KubernetesManifests.RenderAsync("lab");
        var pod = manifests.Named<V1StatefulSet>("redis").Spec.Template.Spec;
        var redis = Assert.Single(pod.Containers);
        var arguments = redis.Args.ToList();
        Assert.Equal("yes", arguments[arguments.IndexOf("--appendonly") + 1]);
        var directory = arguments[arguments.IndexOf("--dir") + 1];
        Assert.Contains(redis.VolumeMounts, m => m.MountPath == directory && pod.Volumes.Any(v => v.Name == m.Name));
    }

    [Fact]
    public async Task The_managed_overlay_runs_no_database_of_its_own()
    {
        var manifests = await KubernetesManifests.RenderAsync("managed");

        Assert.Empty(manifests.All<V1StatefulSet>());
        Assert.Equal(["Auth__JwtKey", "ConnectionStrings__MySql", "ConnectionStrings__Redis", "Research__PseudonymKey"], manifests.SecretData(manifests.Generated<V1Secret>("dilemma-secrets").Metadata.Name).Keys.Order(StringComparer.Ordinal));
        Assert.All(manifests.All<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers), c => Assert.StartsWith("registry.example.org/", c.Image, StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_are_never_committed_only_their_examples()
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".gitignore")).Select(l => l.Trim());

        Assert.Contains("k8s/**/secrets.env", ignored);
        Assert.All(Overlays, overlay => Assert.True(File.Exists(Repository.PathOf("k8s", "overlays", overlay, "secrets.env.example"))));
    }

    private static void AssertServed(KubernetesManifests manifests, string host, int port)
    {
        var service = manifests.Named<V1Service>(host);
        var servicePort = Assert.Single(service.Spec.Ports, p => p.Port == port);
        var workload = Assert.Single(manifests.All<V1StatefulSet>(), s => Matches(service.Spec.Selector, s.Spec.Template.Metadata.Labels));
        Assert.Contains(Assert.Single(workload.Spec.Template.Spec.Containers).Ports, p => p.Name == servicePort.TargetPort.Value && p.ContainerPort == port);
    }

    private static int Port(V1Container container, string name) => Assert.Single(container.Ports, p => p.Name == name).ContainerPort;

    private static readonly Dictionary<string, int> NoPorts = [];

    private static bool Admits(IReadOnlyList<V1NetworkPolicy> policies, Peer from, Peer to, string portName)
    {
        var port = to.Ports[portName];
        var selecting = policies.Where(p => p.Metadata.NamespaceProperty == to.Namespace && Selects(p.Spec.PodSelector, to.Labels)).ToList();
        return selecting.Count == 0 || selecting.Any(policy => (policy.Spec.Ingress ?? []).Any(rule =>
            (rule.Ports is null || rule.Ports.Any(p => p.Port.Value == portName || p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            && (rule.FromProperty is null || rule.FromProperty.Any(peer => Admits(peer, policy.Metadata.NamespaceProperty, from)))));
    }

    private static bool Admits(V1NetworkPolicyPeer peer, string policyNamespace, Peer from)
    {
        Assert.Null(peer.IpBlock);
        var namespaceLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = from.Namespace };
        var inNamespace = peer.NamespaceSelector is { } namespaces ? Selects(namespaces, namespaceLabels) : from.Namespace == policyNamespace;
        return inNamespace && (peer.PodSelector is null || Selects(peer.PodSelector, from.Labels));
    }

    // An empty selector selects everything; these manifests use matchLabels only.
    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        Assert.Null(selector.MatchExpressions);
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }

    /// <summary>A pod as a network policy sees it: its namespace, labels and named ports.</summary>
    private sealed record Peer(string Namespace, IDictionary<string, string> Labels, IReadOnlyDictionary<string, int> Ports)
    {
        public static Peer Of(V1PodTemplateSpec template) =>
            new("dilemma", template.Metadata.Labels, template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToDictionary(p => p.Name ?? p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.ContainerPort));

        public override string ToString() => $"{Labels["app.kubernetes.io/name"]} ({Namespace})";
    }

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
}

/// <summary>k8s/validate: npm's kubernetes-models, installed once from its lock file (npm ci) on first use.</summary>
internal static class KubernetesSchema
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static async Task<string> ValidatorAsync()
    {
        var directory = Repository.PathOf("k8s", "validate");
        await Installing.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!Directory.Exists(Path.Combine(directory, "node_modules", "kubernetes-models")))
            {
                var install = await Command.RunAsync(Executables.Find("npm"), ["ci", "--no-audit", "--no-fund", "--loglevel=error"], directory, TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0, $"npm ci in k8s/validate failed: {install.Output}");
            }
        }
        finally
        {
            Installing.Release();
        }

        return Path.Combine(directory, "validate.mjs");
    }
}

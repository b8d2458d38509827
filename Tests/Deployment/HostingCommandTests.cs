using Dapper;
using Dilemma.Hosting;
using Dilemma.Hosting.Settings;
using Dilemma.Grains.Storage.Migrations;
using Dilemma.Silo.Kubernetes;
using Dilemma.Tests.Infrastructure;
using FluentMigrator;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Dilemma.Tests.Deployment;

/// <summary>The commands the images run besides the hosts themselves, and the guard on the cluster's identity.</summary>
public sealed class HostingCommandTests(LocalServices services)
{
    private static readonly ClusterSettings Settings = new() { ServiceId = "dilemma", ClusterId = "blue" };

    [Fact]
    public async Task The_migrate_command_applies_the_schema_from_the_environment_alone_and_is_a_no_op_the_second_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("deploy_", migrate: false, ct);
        var output = Repository.BuildOutput("Silo");
        var environment = Command.WithoutInheritedSettings().Append(new("ConnectionStrings__MySql", database)).ToList();

        // As the compose one-shot and the Kubernetes init container run it: `dotnet Dilemma.Silo.dll migrate`.
        var first = await Command.RunAsync("dotnet", [Path.Combine(output, "Dilemma.Silo.dll"), "migrate"], output, TimeSpan.FromMinutes(2), environment);
        var second = await Command.RunAsync("dotnet", [Path.Combine(output, "Dilemma.Silo.dll"), "migrate"], output, TimeSpan.FromMinutes(2), environment);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Equal("Schema is up to date.", first.Stdout.Trim());
        Assert.Equal("Schema is up to date.", second.Stdout.Trim());
        await using var connection = new MySqlConnection(database);
        var migrations = typeof(OrleansGrainStorage).Assembly.GetTypes()
            .Count(t => t.Namespace == typeof(OrleansGrainStorage).Namespace && t.GetCustomAttributes(typeof(MigrationAttribute), inherit: false).Length > 0);
        Assert.Equal(migrations, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM VersionInfo"));
        Assert.Equal(1, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'OrleansStorage'"));
    }

    [Fact]
    public async Task The_migrate_command_without_a_connection_string_stops_with_one_line_naming_it()
    {
        var output = Repository.BuildOutput("Silo");

        var result = await Command.RunAsync("dotnet", [Path.Combine(output, "Dilemma.Silo.dll"), "migrate"], output, TimeSpan.FromMinutes(1), Command.WithoutInheritedSettings());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("Configuration error: ConnectionStrings:MySql is required in cluster mode (environment variable ConnectionStrings__MySql).", result.Stderr.Trim());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "  ")]
    [InlineData("dilemma", "blue")]
    public void Orleans_id_variables_that_agree_with_the_settings_or_are_absent_are_accepted(string? serviceId, string? clusterId)
    {
        KubernetesIdentity.EnsureAgrees(Settings, Environment(serviceId, clusterId));
    }

    [Theory]
    [InlineData("other", null, "Cluster:ServiceId", "ORLEANS_SERVICE_ID")]
    [InlineData(null, "green", "Cluster:ClusterId", "ORLEANS_CLUSTER_ID")]
    public void An_Orleans_id_variable_that_disagrees_with_the_settings_stops_start_up_naming_both(string? serviceId, string? clusterId, string key, string variable)
    {
        var error = Assert.Throws<OptionsValidationException>(() => KubernetesIdentity.EnsureAgrees(Settings, Environment(serviceId, clusterId)));

        var line = ConfigurationErrors.Describe(error);
        Assert.NotNull(line);
        Assert.StartsWith(key + " ", line, StringComparison.Ordinal);
        Assert.Contains(variable, line, StringComparison.Ordinal);
        Assert.Contains(key.Replace(":", "__", StringComparison.Ordinal), line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8080", null, 8080)]
    [InlineData("8081;8082", null, 8081)]
    [InlineData(null, "http://+:5090;http://127.0.0.1:6000", 5090)]
    [InlineData(null, "http://127.0.0.1:5081", 5081)]
    [InlineData(null, null, 8080)]
    public void The_healthcheck_finds_the_port_Kestrel_listens_on(string? httpPorts, string? urls, int expected)
    {
        var environment = new Dictionary<string, string?> { ["ASPNETCORE_HTTP_PORTS"] = httpPorts, ["ASPNETCORE_URLS"] = urls };

        Assert.Equal(expected, HealthProbe.ListeningPort(name => environment.GetValueOrDefault(name)));
    }

    private static Func<string, string?> Environment(string? serviceId, string? clusterId) =>
        name => name switch
        {
            "ORLEANS_SERVICE_ID" => serviceId,
            "ORLEANS_CLUSTER_ID" => clusterId,
            _ => null,
        };
}

using Dilemma.Hosting.Settings;
using Dilemma.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting.Kubernetes;

namespace Dilemma.Silo.Kubernetes;

/// <summary>
/// Keeps one source for the cluster's identity. Orleans' Kubernetes hosting lets <c>ORLEANS_SERVICE_ID</c> and
/// <c>ORLEANS_CLUSTER_ID</c> overwrite the service and cluster ids after our <c>Cluster:*</c> settings are applied,
/// while gateways (Orleans clients, no Kubernetes hosting) read only <c>Cluster:*</c>. Were the two to differ, silos
/// would form a cluster no gateway finds, and grain state (keyed by the service id) would seem to vanish. So
/// <c>Cluster:ServiceId</c> and <c>Cluster:ClusterId</c> are the settings, and the Orleans variables, when set at
/// all, must agree with them.
/// </summary>
public static class KubernetesIdentity
{
    public static void EnsureAgrees(ClusterSettings settings, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        Check("Cluster:ServiceId", settings.ServiceId, KubernetesHostingOptions.ServiceIdEnvironmentVariable, environment);
        Check("Cluster:ClusterId", settings.ClusterId, KubernetesHostingOptions.ClusterIdEnvironmentVariable, environment);
    }

    private static void Check(string key, string configured, string variable, Func<string, string?> environment)
    {
        var value = environment(variable);
        if (!string.IsNullOrWhiteSpace(value) && !string.Equals(value, configured, StringComparison.Ordinal))
        {
            throw new OptionsValidationException(ClusterSettings.SectionName, typeof(ClusterSettings), [SettingsValidation.Failure(
                key,
                $"is '{configured}' but {variable} is '{value}'; Orleans' Kubernetes hosting would use {variable} while gateways use {key}: remove {variable} or set both alike")]);
        }
    }
}

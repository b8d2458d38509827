using System.Collections.Concurrent;
using System.Text;
using Dilemma.Tests.Infrastructure;
using k8s;
using k8s.Models;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// An overlay of k8s/ rendered by <c>kubectl kustomize</c> (what <c>kubectl apply -k</c> sends), with its
/// secrets.env made from the committed example, and loaded strictly (an unknown field fails) into typed objects.
/// </summary>
internal sealed class KubernetesManifests
{
    /// <summary>Fake values for the downward API, as the kubelet would fill them in.</summary>
    public const string PodName = "dilemma-silo-5d8f7c9b4-x2x7q";
    public const string PodIp = "10.244.1.7";

    private static readonly ConcurrentDictionary<string, Lazy<Task<KubernetesManifests>>> Rendered = new(StringComparer.Ordinal);

    private KubernetesManifests(string overlay, string yaml, IReadOnlyList<object> objects)
    {
        Overlay = overlay;
        Yaml = yaml;
        Objects = objects;
    }

    public string Overlay { get; }

    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    public static Task<KubernetesManifests> RenderAsync(string overlay) =>
        Rendered.GetOrAdd(overlay, name => new Lazy<Task<KubernetesManifests>>(() => RenderNowAsync(name))).Value;

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Named<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(All<T>(), o => o.Metadata.Name == name);

    /// <summary>A generated object (ConfigMap, Secret) by the name it had before kustomize added its hash.</summary>
    public T Generated<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(All<T>(), o => o.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal));

    public IReadOnlyDictionary<string, string> SecretData(string name) =>
        All<V1Secret>().Single(s => s.Metadata.Name == name).Data.ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);

    /// <summary>
    /// What a container's process sees: its image's ENV, then envFrom, then env (ConfigMap and Secret references
    /// resolved, the downward API filled with fake pod values). A reference to something missing fails the test.
    /// </summary>
    public Dictionary<string, string> Environment(V1Container container, IReadOnlyDictionary<string, string> image, string @namespace)
    {
        var environment = new Dictionary<string, string>(image, StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            IEnumerable<KeyValuePair<string, string>> values = source.ConfigMapRef is { } configMap
                ? Assert.Single(All<V1ConfigMap>(), c => c.Metadata.Name == configMap.Name).Data
                : SecretData(source.SecretRef.Name);
            foreach (var (key, value) in values)
            {
                environment[key] = value;
            }
        }

        // An optional key the Secret does not hold sets nothing, as the kubelet does.
        foreach (var variable in (container.Env ?? []).Where(v => v.ValueFrom?.SecretKeyRef is not { Optional: true } optional || SecretData(optional.Name).ContainsKey(optional.Key)))
        {
            environment[variable.Name] = variable switch
            {
                { Value: { } value } => value,
                { ValueFrom.SecretKeyRef: { } secret } => SecretData(secret.Name).TryGetValue(secret.Key, out var value)
                    ? value
                    : throw new InvalidOperationException($"{container.Name}: Secret {secret.Name} has no key {secret.Key}"),
                { ValueFrom.ConfigMapKeyRef: { } key } => Assert.Single(All<V1ConfigMap>(), c => c.Metadata.Name == key.Name).Data[key.Key],
                { ValueFrom.FieldRef.FieldPath: "metadata.name" } => PodName,
                { ValueFrom.FieldRef.FieldPath: "metadata.namespace" } => @namespace,
                { ValueFrom.FieldRef.FieldPath: "status.podIP" } => PodIp,
                _ => throw new InvalidOperationException($"{container.Name}: {variable.Name} comes from a source this test does not know"),
            };
        }

        return environment;
    }

    private static async Task<KubernetesManifests> RenderNowAsync(string overlay)
    {
        var copy = RunDirectory.Create();
        try
        {
            CopyDirectory(Repository.PathOf("k8s"), Path.Combine(copy, "k8s"));
            var overlayDirectory = Path.Combine(copy, "k8s", "overlays", overlay);
            var example = await File.ReadAllTextAsync(Path.Combine(overlayDirectory, "secrets.env.example"), TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(overlayDirectory, "secrets.env"), Repository.SetByOperator(example), TestContext.Current.CancellationToken);
            var result = await Command.RunAsync(Executables.Find("kubectl"), ["kustomize", overlayDirectory], copy, TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, $"kubectl kustomize k8s/overlays/{overlay} failed: {result.Output}");
            return new KubernetesManifests(overlay, result.Stdout, KubernetesYaml.LoadAllFromString(result.Stdout, typeMap: null, strict: true));
        }
        finally
        {
            RunDirectory.Delete(copy);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from).Where(d => Path.GetFileName(d) != "node_modules"))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}

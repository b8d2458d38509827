using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// The repository's nginx templates rendered the way the nginx image renders them (envsubst of <c>${NAME}</c> for the
/// given names only), into a folder with a main nginx.conf of its own. Only what must differ on loopback differs:
/// listen addresses, upstream addresses and file paths. The main file stands in for the image's nginx.conf.
/// </summary>
internal static class NginxSite
{
    public static string TemplateDirectory => Repository.PathOf("nginx", "templates");

    public static IReadOnlyList<string> TemplateVariables() =>
        Directory.GetFiles(TemplateDirectory, "*.template").SelectMany(f => Repository.Placeholders(File.ReadAllText(f))).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Renders every template into <paramref name="directory"/>/conf.d and writes <paramref name="directory"/>/nginx.conf; returns the latter.</summary>
    public static string Render(string directory, IReadOnlyDictionary<string, string> variables)
    {
        var output = Directory.CreateDirectory(Path.Combine(directory, "conf.d")).FullName;
        foreach (var template in Directory.GetFiles(TemplateDirectory, "*.template"))
        {
            var text = File.ReadAllText(template);
            foreach (var (name, value) in variables)
            {
                text = text.Replace("${" + name + "}", value, StringComparison.Ordinal);
            }

            Assert.Empty(Repository.Placeholders(text));
            File.WriteAllText(Path.Combine(output, Path.GetFileNameWithoutExtension(template)), text);
        }

        var temporary = Directory.CreateDirectory(Path.Combine(directory, "temp")).FullName;
        var main = Path.Combine(directory, "nginx.conf");
        // As the image's nginx.conf, with this folder's paths; as root, workers stay root to write the temp folders.
        File.WriteAllText(main, $$"""
            {{(Environment.IsPrivilegedProcess ? "user root;" : "")}}
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log stderr notice;
            events {
                worker_connections 1024;
            }
            http {
                include /etc/nginx/mime.types;
                default_type application/octet-stream;
                sendfile on;
                keepalive_timeout 65;
                client_body_temp_path {{temporary}}/client;
                proxy_temp_path {{temporary}}/proxy;
                fastcgi_temp_path {{temporary}}/fastcgi;
                uwsgi_temp_path {{temporary}}/uwsgi;
                scgi_temp_path {{temporary}}/scgi;
                include conf.d/*.conf;
            }
            """);
        return main;
    }

    public static string[] Arguments(string main) => ["-e", "stderr", "-p", Path.GetDirectoryName(main)!, "-c", main, "-g", "daemon off;"];

    public static string Executable() => Executables.Find("nginx");
}

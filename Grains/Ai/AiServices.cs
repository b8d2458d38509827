using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Dilemma.Grains.Ai;

/// <summary>The facilitator's services in a silo, chosen by <c>Ai:Provider</c>.</summary>
public static partial class AiServices
{
    /// <summary>Reads the <c>Ai</c> section (a wrong value stops start-up) and registers the facilitator it names.</summary>
    public static IServiceCollection AddDilemmaAi(this IServiceCollection services, IConfiguration configuration)
    {
        // Read now as well: the provider decides which services exist.
        var settings = AiSettings.Read(configuration);
        services.AddSettings(AiSettings.SectionName, new AiSettingsValidator());
        services.AddSingleton(PromptLibrary.LoadEmbedded());
        services.AddSingleton(QuestionTemplates.LoadEmbedded());
        services.AddSingleton<OfflineFacilitator>();
        if (!settings.UsesOpenAi)
        {
            services.AddSingleton<IFacilitator>(provider => provider.GetRequiredService<OfflineFacilitator>());
            return services;
        }

        var breaker = settings.CircuitBreaker;
        services.AddHttpClient(OpenAiFacilitator.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true)
            .AddResilienceHandler(OpenAiFacilitator.HttpClientName, (pipeline, context) =>
            {
                var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiFacilitator).FullName!);

                // Outside the timeout, so that a call that times out counts as a failure (however it is ended);
                // 5xx, 408, 429 and transport errors count too. While open, calls fail at once and the offline
                // facilitator answers.
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = breaker.FailureRatio,
                    MinimumThroughput = breaker.MinimumThroughput,
                    SamplingDuration = breaker.SamplingDuration,
                    BreakDuration = breaker.BreakDuration,

                    // The call's own budget (Ai:TimeoutSeconds, from before the concurrency limiter) ends a hung call before
                    // the attempt timeout below can: it arrives as a cancellation, which counts as the timeout it is.
                    ShouldHandle = args => ValueTask.FromResult(
                        HttpClientResiliencePredicates.IsTransient(args.Outcome) || args.Outcome.Exception is OperationCanceledException),
                    OnOpened = args =>
                    {
                        LogCircuitOpened(logger, args.BreakDuration.TotalSeconds);
                        return default;
                    },
                    OnClosed = _ =>
                    {
                        LogCircuitClosed(logger);
                        return default;
                    },
                });
                pipeline.AddTimeout(settings.Timeout);
            });
        services.AddSingleton<OpenAiFacilitator>();
        services.AddSingleton<IFacilitator>(provider => provider.GetRequiredService<OpenAiFacilitator>());
        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI circuit opened: the model endpoint failed repeatedly; the offline facilitator answers for the next {BreakSeconds} s")]
    private static partial void LogCircuitOpened(ILogger logger, double breakSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "AI circuit closed: the model endpoint answers again")]
    private static partial void LogCircuitClosed(ILogger logger);
}

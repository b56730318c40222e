package org.productservice.tracing;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

import org.productservice.observability.DynamoDbMetrics;

import software.amazon.awssdk.awscore.AwsResponse;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * One client span per DynamoDB call ({@code DynamoDb.PutItem}), child of the request's span,
 * covering all its attempts: the AWS SDK and DynamoDB semantic-convention attributes (RPC
 * system, service and method, table and index, request id, counts), the number of resends, an
 * event per retry, and the outcome as the metrics name it ({@code success},
 * {@code condition_failed}, {@code not_found}, {@code error}). An expected condition, such as
 * the conditional-check failure behind a 412, is not a span error.
 *
 * <p>Our own interceptor rather than OpenTelemetry's {@code opentelemetry-aws-sdk-2.2}: that
 * library's interceptor needs the X-Ray propagator artifact, which cannot be resolved here.
 * Calls made outside a request (start-up table check) get no span: they would be root traces of
 * their own, noise in every trace search. Neither do calls of a request whose span was sampled out.
 */
final class DynamoDbSpans implements ExecutionInterceptor {
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("productservice.dynamodb.outcome");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");

    private static final ExecutionAttribute<Span> SPAN = new ExecutionAttribute<>("ProductServiceTracingSpan");
    private static final ExecutionAttribute<AtomicInteger> ATTEMPTS = new ExecutionAttribute<>("ProductServiceTracingAttempts");
    private static final AttributeKey<List<String>> TABLE_NAMES = AttributeKey.stringArrayKey("aws.dynamodb.table_names");

    private final Tracer tracer;

    DynamoDbSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        io.opentelemetry.context.Context parent = io.opentelemetry.context.Context.current();
        // No request span, or one sampled out: a child would be dropped anyway, skip the work.
        if (!Span.fromContext(parent).isRecording()) {
            return;
        }
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        SdkRequest request = context.request();
        var span = tracer.spanBuilder(service + "." + operation)
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("rpc.system", "aws-api")
                .setAttribute("rpc.service", service)
                .setAttribute("rpc.method", operation)
                .setAttribute("db.system", "dynamodb")
                .setAttribute("db.operation.name", operation);
        request.getValueForField("TableName", String.class).ifPresent(table -> span.setAttribute(TABLE_NAMES, List.of(table)));
        request.getValueForField("IndexName", String.class).ifPresent(index -> span.setAttribute("aws.dynamodb.index_name", index));
        request.getValueForField("Limit", Integer.class).ifPresent(limit -> span.setAttribute("aws.dynamodb.limit", (long) limit));
        request.getValueForField("ConsistentRead", Boolean.class)
                .ifPresent(consistent -> span.setAttribute("aws.dynamodb.consistent_read", consistent));
        attributes.putAttribute(SPAN, span.startSpan());
        attributes.putAttribute(ATTEMPTS, new AtomicInteger());
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        Span span = attributes.getAttribute(SPAN);
        if (span == null) {
            return;
        }
        int attempt = attributes.getAttribute(ATTEMPTS).incrementAndGet();
        if (attempt == 1) {
            span.setAttribute("server.address", context.httpRequest().host());
            span.setAttribute("server.port", (long) context.httpRequest().port());
        } else {
            span.addEvent("retry", Attributes.of(RESEND_COUNT, (long) attempt - 1));
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Span span = attributes.getAttribute(SPAN);
        if (span != null) {
            span.setAttribute("http.response.status_code", (long) context.httpResponse().statusCode());
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        Span span = attributes.getAttribute(SPAN);
        if (span == null) {
            return;
        }
        if (context.response() instanceof AwsResponse response && response.responseMetadata().requestId() != null) {
            span.setAttribute("aws.request_id", response.responseMetadata().requestId());
        }
        if (context.response() instanceof QueryResponse query) {
            counts(span, query.count(), query.scannedCount());
        } else if (context.response() instanceof ScanResponse scan) {
            counts(span, scan.count(), scan.scannedCount());
        }
        span.setAttribute(OUTCOME, "success");
        end(span, attributes);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Span span = attributes.getAttribute(SPAN);
        if (span == null) {
            return;
        }
        String errorType = context.exception().getClass().getName();
        String expected = null;
        if (context.exception() instanceof AwsServiceException failure) {
            if (failure.requestId() != null) {
                span.setAttribute("aws.request_id", failure.requestId());
            }
            if (failure.awsErrorDetails() != null && failure.awsErrorDetails().errorCode() != null) {
                errorType = failure.awsErrorDetails().errorCode();
                expected = DynamoDbMetrics.expectedCondition(errorType);
            }
        }
        span.setAttribute("error.type", errorType);
        span.setAttribute(OUTCOME, expected != null ? expected : "error");
        if (expected == null) {
            span.setStatus(StatusCode.ERROR);
        }
        end(span, attributes);
    }

    private static void counts(Span span, Integer count, Integer scanned) {
        if (count != null) {
            span.setAttribute("aws.dynamodb.count", count.longValue());
        }
        if (scanned != null) {
            span.setAttribute("aws.dynamodb.scanned_count", scanned.longValue());
        }
    }

    private static void end(Span span, ExecutionAttributes attributes) {
        span.setAttribute(RESEND_COUNT, (long) Math.max(0, attributes.getAttribute(ATTEMPTS).get() - 1));
        span.end();
    }
}

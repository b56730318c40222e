package org.productservice.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.productservice.infra.ProductServiceProps.Capacity;
import org.productservice.infra.ProductServiceProps.OnDemand;
import org.productservice.infra.ProductServiceProps.Provisioned;
import org.productservice.schema.IndexDefinition;
import org.productservice.schema.KeyAttribute;
import org.productservice.schema.TableDefinition;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.CfnTable;
import software.amazon.awscdk.services.dynamodb.ContributorInsightsSpecification;
import software.amazon.awscdk.services.dynamodb.EnableScalingProps;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.IScalableTableAttribute;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.dynamodb.TableProps;
import software.amazon.awscdk.services.dynamodb.UtilizationScalingProps;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * A DynamoDB table built from the shared schema's {@link TableDefinition}: keys, types, indexes,
 * projection and TTL come from there and nowhere else, so the table the service expects and the
 * table deployed cannot differ. Physical names are generated (several stages can share an
 * account); index names are the schema's, since the service queries them by name.
 */
public final class ServiceTable extends Construct {
    private final Table table;
    private final TableDefinition definition;

    /**
     * Settings the stack applies to every table.
     *
     * @param capacity            billing mode and, when provisioned, its auto scaling bounds
     * @param encryptionKey       customer managed key, or empty for the AWS managed key
     * @param protectData         retain on stack deletion and turn deletion protection on
     * @param contributorInsights turn Contributor Insights on for the table and its indexes
     * @param alarmTopic          where the spend alarms send notifications, if anywhere
     */
    public record Settings(Capacity capacity, Optional<IKey> encryptionKey, boolean protectData, boolean contributorInsights,
                           Optional<ITopic> alarmTopic) {
    }

    /**
     * Creates the table.
     *
     * @param scope      parent
     * @param id         construct id
     * @param definition the shared schema's definition of the table
     * @param logicalId  CloudFormation logical ID, pinned: a changed ID would make CloudFormation
     *                   replace the table, i.e. create an empty one and delete (or orphan) the data
     * @param settings   stack-wide settings
     */
    public ServiceTable(Construct scope, String id, TableDefinition definition, String logicalId, Settings settings) {
        super(scope, id);
        this.definition = definition;
        boolean provisioned = settings.capacity() instanceof Provisioned;

        TableProps.Builder props = TableProps.builder()
                .partitionKey(attribute(definition.partitionKey()))
                .billingMode(provisioned ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                                                          .pointInTimeRecoveryEnabled(true)
                                                          .build())
                .deletionProtection(settings.protectData())
                .removalPolicy(settings.protectData() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
        settings.encryptionKey().ifPresentOrElse(
                key -> props.encryption(TableEncryption.CUSTOMER_MANAGED).encryptionKey(key),
                () -> props.encryption(TableEncryption.AWS_MANAGED));
        definition.ttlAttribute().ifPresent(props::timeToLiveAttribute);
        if (settings.contributorInsights()) {
            props.contributorInsightsSpecification(insights());
        }
        if (settings.capacity() instanceof Provisioned p) {
            props.readCapacity(p.minRead()).writeCapacity(p.minWrite());
        }
        if (settings.capacity() instanceof OnDemand caps) {
            props.maxReadRequestUnits(caps.maxReadRequestUnits()).maxWriteRequestUnits(caps.maxWriteRequestUnits());
        }
        table = new Table(this, "Table", props.build());

        for (IndexDefinition index : definition.indexes()) {
            GlobalSecondaryIndexProps.Builder gsi = GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(attribute(index.partitionKey()))
                    // valueOf fails the synth if the schema ever names a projection CDK lacks.
                    .projectionType(ProjectionType.valueOf(IndexDefinition.PROJECTION));
            index.sortKey().ifPresent(key -> gsi.sortKey(attribute(key)));
            if (settings.contributorInsights()) {
                gsi.contributorInsightsSpecification(insights());
            }
            if (settings.capacity() instanceof Provisioned p) {
                gsi.readCapacity(p.minRead()).writeCapacity(p.minWrite());
            }
            if (settings.capacity() instanceof OnDemand caps) {
                gsi.maxReadRequestUnits(caps.maxReadRequestUnits()).maxWriteRequestUnits(caps.maxWriteRequestUnits());
            }
            table.addGlobalSecondaryIndex(gsi.build());
        }

        if (settings.capacity() instanceof Provisioned p) {
            autoScale(p);
        }
        ((CfnTable) table.getNode().getDefaultChild()).overrideLogicalId(logicalId);
        if (settings.capacity() instanceof OnDemand caps) {
            spendAlarms(caps, settings.alarmTopic());
        }
    }

    /** Share of a cap, sustained over the alarm's period, that raises the alarm. */
    static final double ALARM_SHARE_OF_CAP = 0.8;
    /** Period of the consumed-capacity alarms. */
    static final Duration ALARM_PERIOD = Duration.minutes(5);

    /**
     * Alarms when the table's consumption nears its cap for three periods in a row: the sign of
     * a scraping or runaway client (or of a cap to raise), before the bill or the throttling
     * shows it.
     */
    private void spendAlarms(OnDemand caps, Optional<ITopic> topic) {
        List<Alarm> alarms = List.of(
                consumptionAlarm("ConsumedReadAlarm", table.metricConsumedReadCapacityUnits(
                        MetricOptions.builder().period(ALARM_PERIOD).statistic("Sum").build()), caps.maxReadRequestUnits(), "read"),
                consumptionAlarm("ConsumedWriteAlarm", table.metricConsumedWriteCapacityUnits(
                        MetricOptions.builder().period(ALARM_PERIOD).statistic("Sum").build()), caps.maxWriteRequestUnits(), "write"));
        topic.ifPresent(t -> alarms.forEach(alarm -> alarm.addAlarmAction(new SnsAction(t))));
    }

    private Alarm consumptionAlarm(String id, Metric metric, int capPerSecond, String kind) {
        double threshold = Math.floor(capPerSecond * ALARM_SHARE_OF_CAP * ALARM_PERIOD.toSeconds().doubleValue());
        return Alarm.Builder.create(this, id)
                .alarmDescription(definition.defaultName() + ": consumed " + kind + " units near the on-demand cap of "
                                          + capPerSecond + "/s (" + (int) (ALARM_SHARE_OF_CAP * 100) + "% for 15 minutes)")
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .evaluationPeriods(3)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    /**
     * The table.
     *
     * @return the CDK table
     */
    public Table table() {
        return table;
    }

    /**
     * The schema definition the table was built from.
     *
     * @return the definition
     */
    public TableDefinition definition() {
        return definition;
    }

    /**
     * ARNs of the table's indexes, one per index (never {@code index/*}).
     *
     * @return index ARNs
     */
    public List<String> indexArns() {
        return definition.indexes().stream()
                .map(index -> table.getTableArn() + "/index/" + index.name())
                .toList();
    }

    private void autoScale(Provisioned capacity) {
        EnableScalingProps read = EnableScalingProps.builder().minCapacity(capacity.minRead()).maxCapacity(capacity.maxRead()).build();
        EnableScalingProps write = EnableScalingProps.builder().minCapacity(capacity.minWrite()).maxCapacity(capacity.maxWrite()).build();
        UtilizationScalingProps target = UtilizationScalingProps.builder()
                .targetUtilizationPercent(capacity.targetUtilizationPercent())
                .build();
        List<IScalableTableAttribute> scaled = new ArrayList<>(List.of(
                table.autoScaleReadCapacity(read), table.autoScaleWriteCapacity(write)));
        // An index has its own throughput; left unscaled it would throttle the table's writes.
        for (IndexDefinition index : definition.indexes()) {
            scaled.add(table.autoScaleGlobalSecondaryIndexReadCapacity(index.name(), read));
            scaled.add(table.autoScaleGlobalSecondaryIndexWriteCapacity(index.name(), write));
        }
        scaled.forEach(attribute -> attribute.scaleOnUtilization(target));
    }

    private static ContributorInsightsSpecification insights() {
        return ContributorInsightsSpecification.builder().enabled(true).build();
    }

    private static Attribute attribute(KeyAttribute key) {
        return Attribute.builder().name(key.name()).type(type(key.type())).build();
    }

    private static AttributeType type(org.productservice.schema.AttributeType type) {
        // An exhaustive switch: a new schema type without a mapping does not compile.
        return switch (type) {
            case S -> AttributeType.STRING;
            case N -> AttributeType.NUMBER;
            case B -> AttributeType.BINARY;
        };
    }
}

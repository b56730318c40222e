package org.productservice.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.productservice.faults.DynamoDbFaultTest.Timed;
import org.productservice.testing.Api;
import org.productservice.testing.RunningService;
import org.productservice.testing.TestEngine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.productservice.faults.DynamoDbFaultTest.CALL_TIMEOUT;
import static org.productservice.faults.DynamoDbFaultTest.MARGIN;
import static org.productservice.faults.DynamoDbFaultTest.SHIPPED_TIMEOUTS;
import static org.productservice.faults.DynamoDbFaultTest.assertUnavailable;
import static org.productservice.faults.DynamoDbFaultTest.concat;
import static org.productservice.faults.DynamoDbFaultTest.load;
import static org.productservice.faults.DynamoDbFaultTest.pollUntil200;

/**
 * Connections to DynamoDB cut under concurrent load, at random points of the exchange: clients
 * see their request succeed or a 503 problem with Retry-After, never a 500, never later than
 * the call timeout; once the network is back the service works again without a restart.
 */
class ConnectionCutTest {

    @Test
    void connectionCutsUnderConcurrentLoadGiveOnly503sWithinTheTimeoutThenTheServiceRecovers() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(TestEngine.get().endpoint());
             RunningService service = RunningService.start(proxy.endpoint(), SHIPPED_TIMEOUTS)) {
            Api api = service.api();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(api.createProduct("cut-" + i, "seed").path("id").asText());
            }

            // Everything cut: every request fails, as fast as the retries allow.
            proxy.cut(1.0);
            List<Timed> allCut = load(api, ids, 8, 4);
            // Some exchanges cut, at random points, some before and some after the engine acted.
            proxy.cut(0.3);
            List<Timed> someCut = load(api, ids, 8, 12);

            List<Timed> all = concat(allCut, someCut);
            Map<Integer, Long> statuses = all.stream()
                    .collect(Collectors.groupingBy(t -> t.response().status(), TreeMap::new, Collectors.counting()));
            assertThat(all).as("statuses under connection cuts: %s", statuses).allSatisfy(timed -> {
                assertThat(timed.response().status()).as("%s", timed).isIn(200, 201, 503);
                assertThat(timed.elapsed()).as("time of %s", timed).isLessThanOrEqualTo(CALL_TIMEOUT.plus(MARGIN));
            });
            all.stream().filter(t -> t.response().status() == 503).forEach(t -> assertUnavailable(t.response()));
            assertThat(allCut).as("with every connection cut nothing can succeed")
                    .allSatisfy(timed -> assertThat(timed.response().status()).isEqualTo(503));

            proxy.pass();
            Api.Response ready = pollUntil200(service.admin(), "/observe/health/ready", Duration.ofSeconds(10));
            assertThat(ready.json().path("status").asText()).isEqualTo("UP");
            for (int i = 0; i < 20; i++) {
                Api.Response fetched = api.get("/products/" + ids.get(i % ids.size()));
                assertThat(fetched.status()).as("request %d after recovery: %s", i, fetched).isEqualTo(200);
            }
            assertThat(api.create(Api.json(Map.of("name", "after", "description", "recovery"))).status()).isEqualTo(201);
        }
    }

}

package dev.finetune.engine.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.finetune.spec.FinetuneSpec.BaseSpec.Pooling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ONNX text encoder on the real MiniLM: tokens, pooling, batching with padding, truncation, determinism. */
class TextEncoderTest {

    private static final String[] SENTENCES = {
            "Hello world",
            "Goodbye world",
            "The quick brown fox jumps over the lazy dog.",
            "Win a FREE cruise to the Bahamas!!! Click here now to claim your prize",
            "Could you review my patch to the mail filter before Friday?",
            "a"};

    private static TextEncoder encoder;

    @BeforeAll
    static void open() {
        encoder = TextEncoder.open(MiniLm.model(), MiniLm.tokenizer(), Optional.empty(), Pooling.mean, 128, 1);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    /** BERT's uncased WordPiece vocabulary, as published with the model: [CLS] hello world [SEP]. */
    @Test
    void tokenisesWithTheModelsOwnVocabulary() throws Exception {
        try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(MiniLm.tokenizer(), Map.of())) {
            assertArrayEquals(new long[] {101, 7592, 2088, 102}, t.encode("Hello world").getIds());
        }
    }

    /**
     * The reference: ONNX Runtime called directly, one sentence at a time with no padding, and mean pooling written out
     * here; the encoder runs them in one call of its own and pools in its own code.
     */
    @Test
    void featuresEqualAnUnbatchedReferenceWithinOneInAHundredThousand() throws Exception {
        float[][] features = encoder.encode(SENTENCES).features();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(MiniLm.model().toString(), new OrtSession.SessionOptions());
             HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(MiniLm.tokenizer(), Map.of())) {
            for (int s = 0; s < SENTENCES.length; s++) {
                Encoding e = tokenizer.encode(SENTENCES[s]);
                try (OnnxTensor ids = OnnxTensor.createTensor(env, new long[][] {e.getIds()});
                     OnnxTensor mask = OnnxTensor.createTensor(env, new long[][] {e.getAttentionMask()});
                     OnnxTensor types = OnnxTensor.createTensor(env, new long[][] {e.getTypeIds()});
                     OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                    float[][] tokens = ((float[][][]) r.get(0).getValue())[0];
                    assertEquals(384, features[s].length);
                    for (int d = 0; d < 384; d++) {
                        float mean = 0;
                        for (float[] token : tokens) {
                            mean += token[d] / tokens.length; // every token is real here: the mask is all ones
                        }
                        assertEquals(mean, features[s][d], 1e-5, "sentence " + s + ", dimension " + d);
                    }
                }
            }
        }
    }

    @Test
    void similarTextsLieCloserThanUnrelatedOnes() {
        float[][] f = encoder.encode(new String[] {"Claim your free prize now", "You have won a free gift, claim it today",
                "The build failed because of a missing dependency"}).features();
        assertTrue(cosine(f[0], f[1]) > cosine(f[0], f[2]) + 0.2, cosine(f[0], f[1]) + " vs " + cosine(f[0], f[2]));
    }

    @Test
    void countsTruncatedTextsAndIsDeterministic() {
        String longText = "word ".repeat(300);
        try (TextEncoder short16 = TextEncoder.open(MiniLm.model(), MiniLm.tokenizer(), Optional.empty(), Pooling.mean, 16, 1)) {
            TextEncoder.Encoded a = short16.encode(new String[] {longText, "short", longText});
            assertEquals(2, a.truncated());
            TextEncoder.Encoded b = short16.encode(new String[] {longText, "short", longText});
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(a.features()[i], b.features()[i]);
            }
            assertArrayEquals(a.features()[0], a.features()[2]);
        }
    }

    @Test
    void clsPoolingTakesTheFirstToken() {
        try (TextEncoder cls = TextEncoder.open(MiniLm.model(), MiniLm.tokenizer(), Optional.of("last_hidden_state"), Pooling.cls, 128, 1)) {
            float[] first = cls.encode(new String[] {SENTENCES[1]}).features()[0];
            float[] mean = encoder.encode(new String[] {SENTENCES[1]}).features()[0];
            assertEquals(384, first.length);
            assertTrue(cosine(first, mean) < 0.999, "CLS differs from the mean");
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}

package no.staffroom.analysis;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.no.NorwegianLightStemFilter;
import org.apache.lucene.analysis.no.NorwegianLightStemmer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.ListSetting;

/**
 * Norwegian analysis for Staffroom, built on Lucene's analysis-common classes that
 * ship inside every Elasticsearch node. The integration-test distribution the test
 * harness runs lacks the analysis-common module, so the stemmers, folding, n-grams
 * and synonyms we need come from this small stable plugin in every environment.
 */
public final class NorwegianFilters {
    private NorwegianFilters() {}

    /** Light stemming for both written standards (bokmål and nynorsk at once). */
    @NamedComponent("staffroom_norwegian_light")
    public static final class NorwegianLight implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new NorwegianLightStemFilter(in, NorwegianLightStemmer.BOKMAAL | NorwegianLightStemmer.NYNORSK);
        }
    }

    @NamedComponent("staffroom_norwegian_stop")
    public static final class NorwegianStop implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new StopFilter(in, NorwegianAnalyzer.getDefaultStopSet());
        }
    }

    /** Folds æ, ø, å (and other accents) so "brok" finds "brøk". */
    @NamedComponent("staffroom_fold")
    public static final class Fold implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new ASCIIFoldingFilter(in, false);
        }
    }

    /** Prefixes of 2 to 15 characters for autocomplete. */
    @NamedComponent("staffroom_edge_ngram")
    public static final class EdgeNGram implements TokenFilterFactory {
        @Override
        public TokenStream create(TokenStream in) {
            return new EdgeNGramTokenFilter(in, 2, 15, false);
        }
    }

    @AnalysisSettings
    public interface SynonymSettings {
        @ListSetting(path = "synonyms")
        List<String> synonyms();
    }

    /** Query-time synonyms in Solr format, one rule per entry ("gange, multiplisere"). */
    @NamedComponent("staffroom_synonyms")
    public static final class Synonyms implements TokenFilterFactory {
        private final SynonymMap map;

        @Inject
        public Synonyms(SynonymSettings settings) {
            Analyzer analyzer = new Analyzer() {
                @Override
                protected TokenStreamComponents createComponents(String field) {
                    Tokenizer tokenizer = new StandardTokenizer();
                    return new TokenStreamComponents(tokenizer, new LowerCaseFilter(tokenizer));
                }
            };
            SolrSynonymParser parser = new SolrSynonymParser(true, true, analyzer);
            try {
                parser.parse(new StringReader(String.join("\n", settings.synonyms())));
                this.map = parser.build();
            } catch (IOException | java.text.ParseException e) {
                throw new IllegalArgumentException("invalid synonym rules: " + e.getMessage(), e);
            }
        }

        @Override
        public TokenStream create(TokenStream in) {
            return map.fst == null ? in : new SynonymGraphFilter(in, map, true);
        }
    }
}

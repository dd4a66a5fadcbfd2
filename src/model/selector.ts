// A parsed FlameQL query (`app.cpu{k="v",k2!~"re"}`): what the store evaluates against its label index.
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface SeriesSelector {
  appName: string;
  matchers: LabelMatcher[];
}
